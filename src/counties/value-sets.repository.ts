// Which assessed values a consumer reads (ratio study, assessment roll, GIS export): the certified roll, the
// county's current values (the adopted valuation version of the year, falling back to certified where it has no
// value), or one valuation version by its job id. One resolver and one SQL relation for all of them, so every
// consumer reads the same values for the same words.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { assertCountyAccess, type CountyScope } from '../auth/county-access.js';
import { ValidationProblem, type FieldError } from '../common/problem.js';

export const VALUE_SET_WORDS = ['certified', 'current'] as const;
/** `certified`, `current` or a valuation job id. */
export type ValuesSelector = string;

export const VALUES_SELECTOR_PATTERN =
  /^(certified|current|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
export const VALUES_SELECTOR_MESSAGE = 'must be "certified", "current" or the job_id of a valuation';

/** The values a consumer read, as it reports them. */
export interface ValueSet {
  /** What the request asked for. */
  requested: string;
  /** `certified` (the roll as imported) or `version` (a valuation's values). */
  used: 'certified' | 'version';
  /** The tax year of the values. */
  tax_year: number;
  /** The version read (null for certified). */
  job_id: string | null;
  /** Whether that version is the adopted one of its county and year. */
  adopted: boolean;
  /** `current` over a version: parcels the version did not value are read from the certified roll. */
  certified_fallback: boolean;
}

/** A values selector that names nothing usable, with a message a person can act on. */
export class ValueSetError extends Error {}

/** Turns a value into SQL text: a bind placeholder (`$n`) or a quoted literal (COPY takes no parameters). */
export type Bind = (value: string | number) => string;

@Injectable()
export class ValueSetsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Resolves a selector for a county and tax year; throws ValueSetError when it names no usable values. A null
   * tax year is only for a job id (its own year is taken).
   */
  async resolve(countyId: string, taxYear: number | null, selector: ValuesSelector = 'current'): Promise<ValueSet> {
    const word = selector.toLowerCase();
    if ((word === 'certified' || word === 'current') && taxYear === null) {
      throw new ValueSetError(`"${word}" needs a tax year`);
    }
    const base = { requested: word, tax_year: taxYear!, adopted: false, certified_fallback: false };
    if (word === 'certified') return { ...base, used: 'certified', job_id: null };
    if (word === 'current') {
      const rows: { job_id: string }[] = await this.dataSource.query(
        'SELECT job_id FROM valuation_runs WHERE county_id = $1 AND tax_year = $2 AND adopted_at IS NOT NULL',
        [countyId, taxYear],
      );
      if (rows.length === 0) return { ...base, used: 'certified', job_id: null };
      return { ...base, used: 'version', job_id: rows[0].job_id, adopted: true, certified_fallback: true };
    }
    if (!VALUES_SELECTOR_PATTERN.test(selector)) throw new ValueSetError(VALUES_SELECTOR_MESSAGE);
    const rows: { county_id: string; tax_year: number; adopted: boolean }[] = await this.dataSource.query(
      'SELECT county_id, tax_year, adopted_at IS NOT NULL AS adopted FROM valuation_runs WHERE job_id = $1',
      [word],
    );
    const run = rows[0];
    if (run === undefined || run.county_id !== countyId) {
      throw new ValueSetError(
        `"${selector}" is not a valuation of county "${countyId}" with stored values ` +
          '(no such job, not completed yet, or its values were deleted)',
      );
    }
    if (taxYear !== null && Number(run.tax_year) !== taxYear) {
      throw new ValueSetError(`"${selector}" valued tax year ${run.tax_year}, not ${taxYear}`);
    }
    return { ...base, tax_year: Number(run.tax_year), used: 'version', job_id: word, adopted: run.adopted };
  }

  /**
   * At submission: 404 for a county out of the caller's reach, then a 400 naming every selector field that names
   * no usable values (`fields`: [field, selector or selectors]).
   */
  async assertSelectors(
    user: CountyScope,
    countyId: string,
    taxYear: number | null,
    fields: readonly [string, string | readonly string[] | undefined][],
  ): Promise<void> {
    assertCountyAccess(user, countyId);
    const errors: FieldError[] = [];
    for (const [field, value] of fields) {
      if (value === undefined) continue;
      const list = typeof value === 'string' ? [value] : value;
      for (const [i, selector] of list.entries()) {
        try {
          await this.resolve(countyId, taxYear, selector);
        } catch (error) {
          if (!(error instanceof ValueSetError)) throw error;
          errors.push({ field: typeof value === 'string' ? field : `${field}.${i}`, message: error.message });
        }
      }
    }
    if (errors.length > 0) throw new ValidationProblem(errors);
  }

  /** Tax years with values of any kind (certified or a version) in the county, newest first. */
  async taxYears(countyId: string): Promise<number[]> {
    const rows: { tax_year: number }[] = await this.dataSource.query(
      `SELECT tax_year FROM assessments WHERE county_id = $1
        UNION SELECT tax_year FROM valuation_runs WHERE county_id = $1
        ORDER BY tax_year DESC`,
      [countyId],
    );
    return rows.map((r) => Number(r.tax_year));
  }
}

/**
 * SQL relation `(parcel_id, land_value, improvement_value, total_value)` of one value set for a county and year,
 * to be joined on parcel_id (it holds only that county's parcels).
 */
export function valueSetRelation(set: ValueSet, countyId: string, bind: Bind): string {
  const taxYear = set.tax_year;
  const certified = (extra = '') =>
    `SELECT a.parcel_id, a.land_value, a.improvement_value, a.total_value FROM assessments a` +
    ` WHERE a.county_id = ${bind(countyId)} AND a.tax_year = ${bind(taxYear)}${extra}`;
  if (set.used === 'certified' || set.job_id === null) return `(${certified()})`;
  const job = bind(set.job_id);
  const version = `SELECT v.parcel_id, v.land_value, v.improvement_value, v.total_value FROM valuation_values v WHERE v.job_id = ${job}::uuid`;
  if (!set.certified_fallback) return `(${version})`;
  return `(${version} UNION ALL ${certified(
    ` AND NOT EXISTS (SELECT 1 FROM valuation_values w WHERE w.job_id = ${job}::uuid AND w.parcel_id = a.parcel_id)`,
  )})`;
}

/** A Bind that collects values as numbered parameters after `params`' current length. */
export function parameterBinder(params: unknown[]): Bind {
  return (value) => {
    params.push(value);
    return `$${params.length}`;
  };
}
