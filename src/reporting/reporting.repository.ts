// SQL of the reports: one query for the ratio-study inputs, one grouped query for the assessment roll, each over
// the value sets the report names (see counties/value-sets.repository.ts).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { parameterBinder, valueSetRelation, type ValueSet } from '../counties/value-sets.repository.js';

/** A valid sale in the window with its parcel's value of the tax year in each value set (null where it has none). */
export interface RatioInputRow {
  estimates: (number | null)[];
  price: number;
  day: number;
  property_class: string;
  neighborhood: string;
}

/** A parcel with its value in each studied set and in the prior set, and whether it sold in the study window. */
export interface ValueChangeRow {
  estimates: (number | null)[];
  prior: number;
  /** 1: a valid sale in the window; 0: no sale at all in the window; 2: only sales that are not valid. */
  status: 0 | 1 | 2;
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

  /**
   * Valid sales of the county from `from` to `to` (inclusive) with the parcels' total value in each of the value
   * sets (of their tax year; one column per set, in order). In a fixed order, so the same inputs give the same
   * figures to the last digit whichever sets are joined.
   */
  async findRatioInputs(
    countyId: string,
    from: string,
    to: string,
    sets: readonly ValueSet[],
  ): Promise<RatioInputRow[]> {
    const params: unknown[] = [countyId, from, to];
    const bind = parameterBinder(params);
    const columns = sets.map((_, i) => `v${i}.total_value::float8 AS e${i}`).join(', ');
    const joins = sets
      .map((set, i) => ` LEFT JOIN ${valueSetRelation(set, countyId, bind)} v${i} ON v${i}.parcel_id = s.parcel_id`)
      .join('');
    const rows: (Record<string, number | null> & Omit<RatioInputRow, 'estimates'>)[] = await this.dataSource.query(
      `SELECT ${columns},
              s.sale_price::float8 AS price,
              (s.sale_date - DATE '1970-01-01') AS day,
              p.property_class,
              p.neighborhood
         FROM sales s
         JOIN parcels p ON p.county_id = s.county_id AND p.parcel_id = s.parcel_id${joins}
        WHERE s.county_id = $1 AND s.is_valid AND s.sale_date BETWEEN $2::date AND $3::date
        ORDER BY s.id`,
      params,
    );
    return rows.map((r) => ({
      estimates: sets.map((_, i) => r[`e${i}`]),
      price: r.price,
      day: r.day,
      property_class: r.property_class,
      neighborhood: r.neighborhood,
    }));
  }

  /**
   * Every parcel of the county with a value in the prior set, with its values in each of the studied sets (null where
   * it has none) and its sale status in the window from `from` to `to`, in parcel_id order.
   */
  async findValueChanges(
    countyId: string,
    from: string,
    to: string,
    sets: readonly ValueSet[],
    prior: ValueSet,
  ): Promise<ValueChangeRow[]> {
    const params: unknown[] = [countyId, from, to];
    const bind = parameterBinder(params);
    const columns = sets.map((_, i) => `v${i}.total_value::float8 AS e${i}`).join(', ');
    const joins = sets
      .map((set, i) => ` LEFT JOIN ${valueSetRelation(set, countyId, bind)} v${i} ON v${i}.parcel_id = p.parcel_id`)
      .join('');
    const rows: (Record<string, number | null> & Omit<ValueChangeRow, 'estimates'>)[] = await this.dataSource.query(
      `SELECT ${columns},
              pr.total_value::float8 AS prior,
              CASE WHEN EXISTS (SELECT 1 FROM sales s WHERE s.county_id = $1 AND s.parcel_id = p.parcel_id
                                   AND s.is_valid AND s.sale_date BETWEEN $2::date AND $3::date) THEN 1
                   WHEN EXISTS (SELECT 1 FROM sales s WHERE s.county_id = $1 AND s.parcel_id = p.parcel_id
                                   AND s.sale_date BETWEEN $2::date AND $3::date) THEN 2
                   ELSE 0 END AS status,
              p.property_class,
              p.neighborhood
         FROM parcels p
         JOIN ${valueSetRelation(prior, countyId, bind)} pr ON pr.parcel_id = p.parcel_id${joins}
        WHERE p.county_id = $1
        ORDER BY p.parcel_id`,
      params,
    );
    return rows.map((r) => ({
      estimates: sets.map((_, i) => r[`e${i}`]),
      prior: r.prior,
      status: Number(r.status) as 0 | 1 | 2,
      property_class: r.property_class,
      neighborhood: r.neighborhood,
    }));
  }

  /** Counts and sums of land, improvement and total value by class, by neighborhood and overall, per year's value set. */
  async rollSums(countyId: string, years: readonly { taxYear: number; set: ValueSet }[]): Promise<RollGroupRow[]> {
    const params: unknown[] = [countyId];
    const bind = parameterBinder(params);
    const values = years
      .map(
        ({ taxYear, set }) =>
          `SELECT ${bind(taxYear)}::int AS tax_year, x.* FROM ${valueSetRelation(set, countyId, bind)} x`,
      )
      .join(' UNION ALL ');
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
           FROM (${values}) a
           JOIN parcels p ON p.county_id = $1 AND p.parcel_id = a.parcel_id
          GROUP BY a.tax_year, GROUPING SETS ((p.property_class), (p.neighborhood), ())`,
      params,
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
