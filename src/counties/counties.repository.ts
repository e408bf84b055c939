// SQL for counties and the parcel read routes.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PARCEL_COLUMNS, type ParcelAttributes } from './parcel-columns.js';
import type { PropertyClass } from './parcel.entity.js';

export interface CountyRecord {
  county_id: string;
  name: string;
  state: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface CountyWithCounts extends CountyRecord {
  parcel_count: number;
  sale_count: number;
  assessment_count: number;
}

export interface ParcelRecord extends ParcelAttributes {
  lon: number | null;
  lat: number | null;
  geometry: Record<string, unknown> | null;
  updated_at: Date;
}

export interface SaleRecord {
  sale_date: string;
  sale_price: number;
  is_valid: boolean;
  validity_code: string | null;
  deed_type: string | null;
}

export interface ValueRecord {
  tax_year: number;
  land_value: number;
  improvement_value: number;
  total_value: number;
  source: 'certified' | 'valuation';
  job_id: string | null;
  adopted_at: Date | null;
  certified: { land_value: number; improvement_value: number; total_value: number; imported_at: Date } | null;
}

export interface ParcelFilter {
  neighborhood?: string;
  propertyClass?: PropertyClass;
  /** Keyset: only parcels whose parcel_id sorts after this one. */
  after?: string;
  limit: number;
}

const COUNTY_COLUMNS = 'id AS county_id, name, state, created_at, updated_at';
const PARCEL_SELECT = [...PARCEL_COLUMNS, 'geometry', 'updated_at'].join(', ');

@Injectable()
export class CountiesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Creates or replaces a county's name and state; `created` tells which happened. */
  async upsertCounty(
    id: string,
    name: string,
    state: string | null,
  ): Promise<{ county: CountyRecord; created: boolean }> {
    const rows: (CountyRecord & { created: boolean })[] = await this.dataSource.query(
      `INSERT INTO counties AS c (id, name, state) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, state = EXCLUDED.state,
         updated_at = CASE WHEN (c.name, c.state) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.state)
                           THEN now() ELSE c.updated_at END
       RETURNING ${COUNTY_COLUMNS}, (xmax = 0) AS created`,
      [id, name, state],
    );
    const { created, ...county } = rows[0];
    return { county, created };
  }

  async findCounty(id: string): Promise<CountyRecord | null> {
    const rows: CountyRecord[] = await this.dataSource.query(`SELECT ${COUNTY_COLUMNS} FROM counties WHERE id = $1`, [
      id,
    ]);
    return rows[0] ?? null;
  }

  /** Counties with their row counts; `ids` limits the list (undefined = all). */
  async listCountiesWithCounts(ids?: readonly string[]): Promise<CountyWithCounts[]> {
    return this.dataSource.query(
      `SELECT c.id AS county_id, c.name, c.state, c.created_at, c.updated_at,
              (SELECT count(*) FROM parcels p WHERE p.county_id = c.id)::int AS parcel_count,
              (SELECT count(*) FROM sales s WHERE s.county_id = c.id)::int AS sale_count,
              (SELECT count(*) FROM assessments a WHERE a.county_id = c.id)::int AS assessment_count
         FROM counties c
        WHERE $1::text[] IS NULL OR c.id = ANY($1::text[])
        ORDER BY c.id`,
      [ids ?? null],
    );
  }

  /** Up to `limit` parcels in parcel_id order after the keyset position, filtered. */
  async findParcels(countyId: string, filter: ParcelFilter): Promise<ParcelRecord[]> {
    return this.dataSource.query(
      `SELECT ${PARCEL_SELECT} FROM parcels
        WHERE county_id = $1
          AND ($2::text IS NULL OR neighborhood = $2)
          AND ($3::text IS NULL OR property_class = $3)
          AND ($4::text IS NULL OR parcel_id > $4)
        ORDER BY parcel_id
        LIMIT $5`,
      [countyId, filter.neighborhood ?? null, filter.propertyClass ?? null, filter.after ?? null, filter.limit],
    );
  }

  async findParcel(countyId: string, parcelId: string): Promise<ParcelRecord | null> {
    const rows: ParcelRecord[] = await this.dataSource.query(
      `SELECT ${PARCEL_SELECT} FROM parcels WHERE county_id = $1 AND parcel_id = $2`,
      [countyId, parcelId],
    );
    return rows[0] ?? null;
  }

  /** The parcel's sales, newest first. */
  async findSales(countyId: string, parcelId: string): Promise<SaleRecord[]> {
    return this.dataSource.query(
      `SELECT sale_date::text AS sale_date, sale_price::float8 AS sale_price, is_valid, validity_code, deed_type
         FROM sales WHERE county_id = $1 AND parcel_id = $2
        ORDER BY sale_date DESC`,
      [countyId, parcelId],
    );
  }

  /**
   * The parcel's values by tax year, newest year first: the current values (the adopted valuation version's,
   * else the certified roll's) with the certified ones beside them.
   */
  async findValues(countyId: string, parcelId: string): Promise<ValueRecord[]> {
    const rows: {
      tax_year: number;
      c_land: number | null;
      c_improvement: number | null;
      c_total: number | null;
      imported_at: Date | null;
      v_land: number | null;
      v_improvement: number | null;
      v_total: number | null;
      job_id: string | null;
      adopted_at: Date | null;
    }[] = await this.dataSource.query(
      `WITH adopted AS (
         SELECT r.tax_year, r.job_id, r.adopted_at, v.land_value, v.improvement_value, v.total_value
           FROM valuation_runs r JOIN valuation_values v ON v.job_id = r.job_id AND v.parcel_id = $2
          WHERE r.county_id = $1 AND r.adopted_at IS NOT NULL
       ), certified AS (
         SELECT tax_year, land_value, improvement_value, total_value, updated_at
           FROM assessments WHERE county_id = $1 AND parcel_id = $2
       )
       SELECT coalesce(c.tax_year, v.tax_year)::int AS tax_year,
              c.land_value::float8 AS c_land, c.improvement_value::float8 AS c_improvement,
              c.total_value::float8 AS c_total, c.updated_at AS imported_at,
              v.land_value::float8 AS v_land, v.improvement_value::float8 AS v_improvement,
              v.total_value::float8 AS v_total, v.job_id, v.adopted_at
         FROM certified c FULL JOIN adopted v ON v.tax_year = c.tax_year
        ORDER BY 1 DESC`,
      [countyId, parcelId],
    );
    return rows.map((r) => {
      const certified =
        r.c_total === null
          ? null
          : {
              land_value: r.c_land!,
              improvement_value: r.c_improvement!,
              total_value: r.c_total,
              imported_at: r.imported_at!,
            };
      const adopted = r.v_total !== null;
      return {
        tax_year: r.tax_year,
        land_value: adopted ? r.v_land! : r.c_land!,
        improvement_value: adopted ? r.v_improvement! : r.c_improvement!,
        total_value: adopted ? r.v_total! : r.c_total!,
        source: adopted ? 'valuation' : 'certified',
        job_id: adopted ? r.job_id : null,
        adopted_at: adopted ? r.adopted_at : null,
        certified,
      };
    });
  }
}
