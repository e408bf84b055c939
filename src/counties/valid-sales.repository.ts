// Valid sales with the characteristics of their parcels, for the analyses that fit or describe the market (the
// market analyses, and the ratio study's time adjustment): one query each, shared so both read the same sales.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SaleRow } from '../statistics/sale-columns.js';

export interface SalesFilter {
  countyId: string;
  propertyClass?: string;
  neighborhoods?: readonly string[];
}

@Injectable()
export class ValidSalesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Date (YYYY-MM-DD) of the latest valid sale matching the filter, or null. */
  async latestValidSaleDate(filter: SalesFilter): Promise<string | null> {
    const { where, params } = filterSql(filter, 1);
    const rows: { d: string | null }[] = await this.dataSource.query(
      `SELECT max(s.sale_date)::text AS d
         FROM sales s JOIN parcels p ON p.county_id = s.county_id AND p.parcel_id = s.parcel_id
        WHERE s.is_valid AND ${where}`,
      params,
    );
    return rows[0]?.d ?? null;
  }

  /** Valid sales from `from` to `to` (inclusive, YYYY-MM-DD) matching the filter, with parcel characteristics. */
  async findValidSales(filter: SalesFilter, from: string, to: string): Promise<SaleRow[]> {
    const { where, params } = filterSql(filter, 3);
    return this.dataSource.query(
      `SELECT (s.sale_date - DATE '1970-01-01') AS day,
              s.sale_price::float8 AS price,
              p.building_sqft, p.land_sqft, p.year_built, p.quality, p.condition, p.bathrooms::float8 AS bathrooms,
              p.neighborhood, p.property_class
         FROM sales s JOIN parcels p ON p.county_id = s.county_id AND p.parcel_id = s.parcel_id
        WHERE s.is_valid AND s.sale_date BETWEEN $1::date AND $2::date AND ${where}`,
      [from, to, ...params],
    );
  }
}

/** WHERE clause of the county, class and neighborhood filter, parameters numbered from `first`. */
function filterSql(filter: SalesFilter, first: number): { where: string; params: unknown[] } {
  const params: unknown[] = [filter.countyId];
  const clauses = [`s.county_id = $${first}`];
  if (filter.propertyClass) {
    params.push(filter.propertyClass);
    clauses.push(`p.property_class = $${first + params.length - 1}`);
  }
  if (filter.neighborhoods && filter.neighborhoods.length > 0) {
    params.push([...filter.neighborhoods]);
    clauses.push(`p.neighborhood = ANY($${first + params.length - 1}::text[])`);
  }
  return { where: clauses.join(' AND '), params };
}
