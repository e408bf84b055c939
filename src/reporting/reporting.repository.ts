// SQL of the reports: one query for the ratio-study inputs, one grouped query for the assessment roll.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A valid sale in the window with its parcel's value of the tax year (null when the roll has none). */
export interface RatioInputRow {
  estimate: number | null;
  price: number;
  day: number;
  property_class: string;
  neighborhood: string;
}

/** Sums of one group of the roll for one tax year. */
export interface RollGroupRow {
  /** 'overall', 'property_class' or 'neighborhood'. */
  grouping: string;
  value: string | null;
  tax_year: number;
  parcel_count: number;
  land_value: number;
  improvement_value: number;
  total_value: number;
}

@Injectable()
export class ReportingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Valid sales of the county from `from` to `to` (inclusive) with the parcels' values of `taxYear`. */
  async findRatioInputs(countyId: string, taxYear: number, from: string, to: string): Promise<RatioInputRow[]> {
    return this.dataSource.query(
      `SELECT a.total_value::float8 AS estimate,
              s.sale_price::float8 AS price,
              (s.sale_date - DATE '1970-01-01') AS day,
              p.property_class,
              p.neighborhood
         FROM sales s
         JOIN parcels p ON p.county_id = s.county_id AND p.parcel_id = s.parcel_id
         LEFT JOIN assessments a ON a.county_id = s.county_id AND a.parcel_id = s.parcel_id AND a.tax_year = $2
        WHERE s.county_id = $1 AND s.is_valid AND s.sale_date BETWEEN $3::date AND $4::date`,
      [countyId, taxYear, from, to],
    );
  }

  /** Counts and sums of land, improvement and total value by class, by neighborhood and overall, for the years. */
  async rollSums(countyId: string, taxYears: readonly number[]): Promise<RollGroupRow[]> {
    const rows: (Omit<RollGroupRow, 'grouping'> & {
      g_class: number;
      g_nb: number;
      property_class: string | null;
      neighborhood: string | null;
    })[] = await this.dataSource.query(
      `SELECT a.tax_year::int AS tax_year,
                p.property_class, p.neighborhood,
                GROUPING(p.property_class)::int AS g_class, GROUPING(p.neighborhood)::int AS g_nb,
                count(*)::int AS parcel_count,
                sum(a.land_value)::float8 AS land_value,
                sum(a.improvement_value)::float8 AS improvement_value,
                sum(a.total_value)::float8 AS total_value
           FROM assessments a
           JOIN parcels p ON p.county_id = a.county_id AND p.parcel_id = a.parcel_id
          WHERE a.county_id = $1 AND a.tax_year = ANY($2::int[])
          GROUP BY a.tax_year, GROUPING SETS ((p.property_class), (p.neighborhood), ())`,
      [countyId, [...taxYears]],
    );
    return rows.map((r) => ({
      grouping: r.g_class === 0 ? 'property_class' : r.g_nb === 0 ? 'neighborhood' : 'overall',
      value: r.g_class === 0 ? r.property_class : r.g_nb === 0 ? r.neighborhood : null,
      tax_year: r.tax_year,
      parcel_count: r.parcel_count,
      land_value: r.land_value,
      improvement_value: r.improvement_value,
      total_value: r.total_value,
    }));
  }
}
