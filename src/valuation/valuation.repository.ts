// SQL of valuations: sales and parcels streamed out with COPY into typed arrays, values streamed back with COPY
// as the job's own version in one transaction; versions listed, adopted and deleted.
//
// COPY takes no bind parameters, so every value a COPY query needs is handed over with set_config(…, true)
// (a bound parameter, local to the transaction) and read back with current_setting(): no value is ever
// spliced into SQL text.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { copyDecode, copyLines } from '../database/copy-text.js';
import { inTransaction, takeConnection } from '../database/pg-client.js';
import {
  allocateColumns,
  PROPERTY_CLASSES,
  type ParcelBatch,
  type ParcelColumns,
  type ParcelValueRow,
  type SalesSample,
  type ValuationScope,
  type ValueBatch,
} from './valuation-data.js';

export interface CountyScopeInfo {
  /** Parcels in scope. */
  parcelCount: number;
  /** Neighborhoods of the county's parcels. */
  neighborhoods: string[];
}

/** Receives COPY text of the values of each batch, in order. */
export interface ValueSink {
  write(batch: ParcelBatch, values: ValueBatch): Promise<void>;
}

export interface WriteOutcome {
  written: number;
}

export const PARCEL_BATCH_SIZE = 8192;

const PARCEL_COLUMNS = `p.neighborhood, p.property_class, p.land_sqft, p.building_sqft, p.year_built, p.quality,
  p.condition, p.bathrooms`;
const IN_SCOPE = `p.county_id = current_setting('terrafusion.valuation_county')`;
const IN_NEIGHBORHOODS = `p.neighborhood IN (
  SELECT jsonb_array_elements_text(current_setting('terrafusion.valuation_neighborhoods')::jsonb))`;

const SALES_COPY = (filtered: boolean) => `COPY (
  SELECT s.sale_price, s.sale_date - current_setting('terrafusion.valuation_date')::date, ${PARCEL_COLUMNS}
    FROM sales s
    JOIN parcels p ON p.county_id = s.county_id AND p.parcel_id = s.parcel_id
   WHERE s.county_id = current_setting('terrafusion.valuation_county')
     AND s.is_valid
     AND s.sale_date >= current_setting('terrafusion.valuation_sales_from')::date
     AND s.sale_date <= current_setting('terrafusion.valuation_date')::date
     AND ${IN_SCOPE}${filtered ? ` AND ${IN_NEIGHBORHOODS}` : ''}
) TO STDOUT`;

const PARCELS_COPY = (filtered: boolean) => `COPY (
  SELECT p.parcel_id, ${PARCEL_COLUMNS}
    FROM parcels p
   WHERE ${IN_SCOPE}${filtered ? ` AND ${IN_NEIGHBORHOODS}` : ''}
) TO STDOUT`;

const SET_SCOPE = `SELECT set_config('terrafusion.valuation_county', $1, true),
  set_config('terrafusion.valuation_date', $2, true),
  set_config('terrafusion.valuation_sales_from', $3, true),
  set_config('terrafusion.valuation_neighborhoods', $4, true)`;

// A version is written once per job: a retried attempt replaces what an earlier attempt of the same job left
// (its adoption, if any, is kept).
const RECORD_RUN = `INSERT INTO valuation_runs (job_id, county_id, tax_year, method, neighborhoods, parcel_count)
  VALUES ($1, $2, $3, $4, $5, 0)
  ON CONFLICT (job_id) DO UPDATE SET county_id = EXCLUDED.county_id, tax_year = EXCLUDED.tax_year,
    method = EXCLUDED.method, neighborhoods = EXCLUDED.neighborhoods, parcel_count = 0, written_at = now()`;

const PAGE_FIRST = `SELECT parcel_id, land_value::float8 AS land_value, improvement_value::float8 AS improvement_value,
    total_value::float8 AS total_value
  FROM valuation_values WHERE job_id = $1
  ORDER BY parcel_id LIMIT $2`;
const PAGE_AFTER = `SELECT parcel_id, land_value::float8 AS land_value, improvement_value::float8 AS improvement_value,
    total_value::float8 AS total_value
  FROM valuation_values WHERE job_id = $1 AND parcel_id > $3
  ORDER BY parcel_id LIMIT $2`;

const RUN_COLUMNS = `job_id, county_id, tax_year, method, neighborhoods, parcel_count, written_at, adopted_at, adopted_by`;

/** A stored valuation version. */
export interface ValuationVersionRow {
  job_id: string;
  county_id: string;
  tax_year: number;
  method: 'cost' | 'regression';
  neighborhoods: string[] | null;
  parcel_count: number;
  written_at: Date;
  adopted_at: Date | null;
  adopted_by: string | null;
}

/** The outcome of an adoption: the version now adopted and the one it replaced (null when none was). */
export interface Adoption {
  version: ValuationVersionRow;
  previous_job_id: string | null;
}

@Injectable()
export class ValuationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Null when the county does not exist. */
  async findCountyScope(countyId: string, neighborhoods?: readonly string[]): Promise<CountyScopeInfo | null> {
    const county = await this.dataSource.query<unknown[]>('SELECT 1 FROM counties WHERE id = $1', [countyId]);
    if (county.length === 0) return null;
    const rows = await this.dataSource.query<{ neighborhood: string; parcels: number }[]>(
      'SELECT neighborhood, count(*)::int AS parcels FROM parcels WHERE county_id = $1 GROUP BY neighborhood',
      [countyId],
    );
    const wanted = neighborhoods ? new Set(neighborhoods) : null;
    return {
      parcelCount: rows.reduce((s, r) => s + (wanted === null || wanted.has(r.neighborhood) ? r.parcels : 0), 0),
      neighborhoods: rows.map((r) => r.neighborhood).sort(),
    };
  }

  /** Valid sales dated from `salesFrom` to the valuation date (inclusive) of parcels in scope. */
  async loadValidSales(scope: ValuationScope, salesFrom: string): Promise<SalesSample> {
    const parser = new ColumnsParser(2);
    const price: number[] = [];
    const days: number[] = [];
    await this.withScopedReader(scope, salesFrom, async (client) => {
      const stream = client.query(copyTo(SALES_COPY(scope.neighborhoods !== undefined)));
      for await (const lines of copyLines(stream)) {
        for (const line of lines) {
          const f = line.split('\t');
          price.push(num(f[0]));
          days.push(num(f[1]));
          parser.add(f);
        }
      }
    });
    const columns = parser.finish();
    return { ...columns, price: Float64Array.from(price), days: Float64Array.from(days) };
  }

  /** The parcels in scope, in batches of PARCEL_BATCH_SIZE. */
  async *streamParcels(scope: ValuationScope): AsyncGenerator<ParcelBatch> {
    const { client, release } = await takeConnection(this.dataSource);
    let completed = false;
    try {
      await beginScopedRead(client, scope, scope.valuationDate);
      const stream = client.query(copyTo(PARCELS_COPY(scope.neighborhoods !== undefined)));
      const names: string[] = [];
      const index = new Map<string, number>();
      let batch = newBatch(names);
      for await (const lines of copyLines(stream)) {
        for (const line of lines) {
          const f = line.split('\t');
          const i = batch.size;
          batch.keys.push(f[0]);
          setParcelFields(batch, i, f, 1, names, index);
          batch.size = i + 1;
          if (batch.size === PARCEL_BATCH_SIZE) {
            yield batch;
            batch = newBatch(names);
          }
        }
      }
      if (batch.size > 0) yield trimBatch(batch);
      await client.query('COMMIT');
      completed = true;
    } finally {
      // A COPY abandoned half-way leaves the connection mid-protocol: the pool must drop it.
      await release(completed ? undefined : new Error('parcel stream abandoned'));
    }
  }

  /**
   * Writes the job's values as its own version in one transaction: `produce` writes every value through the sink
   * straight into `valuation_values`; `beforeCommit` runs last (it may still abort). The certified roll and every
   * other version are left as they are; nothing is visible until the commit, and a crash at any point leaves
   * nothing of this attempt.
   */
  async writeVersion(
    scope: ValuationScope,
    jobId: string,
    method: 'cost' | 'regression',
    produce: (sink: ValueSink) => Promise<void>,
    beforeCommit: () => Promise<void>,
  ): Promise<WriteOutcome> {
    const connection = await takeConnection(this.dataSource);
    const { client } = connection;
    return inTransaction(connection, async (trackCopy) => {
      await client.query('SET LOCAL statement_timeout = 0');
      await client.query(RECORD_RUN, [
        jobId,
        scope.countyId,
        scope.taxYear,
        method,
        scope.neighborhoods ? JSON.stringify(scope.neighborhoods) : null,
      ]);
      await client.query('DELETE FROM valuation_values WHERE job_id = $1', [jobId]);
      const copy = client.query(
        copyFrom('COPY valuation_values (job_id, parcel_id, land_value, improvement_value, total_value) FROM STDIN'),
      );
      trackCopy(copy);
      let failure: Error | undefined;
      copy.on('error', (error: Error) => (failure = error));
      await produce({
        write: async (batch, values) => {
          if (failure) throw failure;
          if (!copy.write(valueLines(jobId, batch, values))) await once(copy, 'drain');
        },
      });
      copy.end();
      await finished(copy);
      const written = copy.rowCount;
      await client.query('UPDATE valuation_runs SET parcel_count = $2 WHERE job_id = $1', [jobId, written]);
      await beforeCommit();
      return { written };
    });
  }

  /** The version a job wrote, or null when it wrote none (or it was deleted). */
  async findVersion(jobId: string): Promise<ValuationVersionRow | null> {
    const rows = await this.dataSource.query<ValuationVersionRow[]>(
      `SELECT ${RUN_COLUMNS} FROM valuation_runs WHERE job_id = $1`,
      [jobId],
    );
    return rows[0] ?? null;
  }

  /** The county's versions (of one tax year when given), newest first. */
  async listVersions(countyId: string, taxYear?: number): Promise<ValuationVersionRow[]> {
    return this.dataSource.query<ValuationVersionRow[]>(
      `SELECT ${RUN_COLUMNS} FROM valuation_runs
        WHERE county_id = $1 AND ($2::int IS NULL OR tax_year = $2)
        ORDER BY tax_year DESC, written_at DESC, job_id`,
      [countyId, taxYear ?? null],
    );
  }

  /**
   * Makes the job's version the adopted one of its county and year, in one transaction under a lock per county
   * and year: the previously adopted version (if any) is released, nothing is deleted. Null when the job has no
   * stored version.
   */
  async adopt(jobId: string, adoptedBy: string): Promise<Adoption | null> {
    const connection = await takeConnection(this.dataSource);
    const { client } = connection;
    return inTransaction(connection, async () => {
      const found = await client.query<{ county_id: string; tax_year: number }>(
        'SELECT county_id, tax_year FROM valuation_runs WHERE job_id = $1',
        [jobId],
      );
      if (found.rows.length === 0) return null;
      const { county_id: countyId, tax_year: taxYear } = found.rows[0];
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `terrafusion:valuation:${countyId}:${taxYear}`,
      ]);
      const released = await client.query<{ job_id: string }>(
        `UPDATE valuation_runs SET adopted_at = NULL, adopted_by = NULL
          WHERE county_id = $1 AND tax_year = $2 AND adopted_at IS NOT NULL AND job_id <> $3
          RETURNING job_id`,
        [countyId, taxYear, jobId],
      );
      const adopted = await client.query<ValuationVersionRow>(
        `UPDATE valuation_runs SET adopted_at = CASE WHEN adopted_at IS NULL THEN now() ELSE adopted_at END,
                adopted_by = CASE WHEN adopted_at IS NULL THEN $2 ELSE adopted_by END
          WHERE job_id = $1 RETURNING ${RUN_COLUMNS}`,
        [jobId, adoptedBy],
      );
      if (adopted.rows.length === 0) return null;
      return { version: adopted.rows[0], previous_job_id: released.rows[0]?.job_id ?? null };
    });
  }

  /**
   * Deletes a version that is not adopted. Answers `deleted`, `adopted` (refused) or `missing`. The adoption check
   * and the delete are one statement, so a concurrent adoption cannot slip between them.
   */
  async deleteVersion(jobId: string): Promise<'deleted' | 'adopted' | 'missing'> {
    const rows: { adopted: boolean; deleted: boolean }[] = await this.dataSource.query(
      `WITH gone AS (DELETE FROM valuation_runs WHERE job_id = $1 AND adopted_at IS NULL RETURNING job_id)
       SELECT r.adopted_at IS NOT NULL AS adopted, EXISTS (SELECT 1 FROM gone) AS deleted
         FROM (SELECT 1) one LEFT JOIN valuation_runs r ON r.job_id = $1`,
      [jobId],
    );
    const row = rows[0];
    if (row.deleted) return 'deleted';
    return row.adopted ? 'adopted' : 'missing';
  }

  /** Values of the job's version by parcel id, after `afterParcelId`. */
  async pageParcelValues(jobId: string, limit: number, afterParcelId?: string): Promise<ParcelValueRow[]> {
    const params: unknown[] = [jobId, limit];
    if (afterParcelId !== undefined) params.push(afterParcelId);
    return this.dataSource.query<ParcelValueRow[]>(afterParcelId === undefined ? PAGE_FIRST : PAGE_AFTER, params);
  }

  private async withScopedReader(
    scope: ValuationScope,
    salesFrom: string,
    work: (client: PoolClient) => Promise<void>,
  ): Promise<void> {
    const { client, release } = await takeConnection(this.dataSource);
    let failure: unknown;
    try {
      await beginScopedRead(client, scope, salesFrom);
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      await release(failure);
    }
  }
}

/** Opens a read-only transaction without statement timeout with the scope's settings. */
async function beginScopedRead(client: PoolClient, scope: ValuationScope, salesFrom: string): Promise<void> {
  await client.query('BEGIN READ ONLY');
  await client.query('SET LOCAL statement_timeout = 0');
  await client.query(SET_SCOPE, [
    scope.countyId,
    scope.valuationDate,
    salesFrom,
    scope.neighborhoods ? JSON.stringify(scope.neighborhoods) : '[]',
  ]);
}

const NULL = '\\N';
const num = (field: string): number => (field === NULL ? Number.NaN : Number(field));

/** Encodes a whole-dollar amount for COPY. */
const amount = (v: number): string => String(v);

function valueLines(jobId: string, batch: ParcelBatch, values: ValueBatch): string {
  let out = '';
  for (let i = 0; i < batch.size; i++) {
    const land = values.land[i];
    const improvement = values.improvement[i];
    // keys are parcel ids exactly as COPY printed them: already escaped for COPY text.
    out += `${jobId}\t${batch.keys[i]}\t${amount(land)}\t${amount(improvement)}\t${amount(land + improvement)}\n`;
  }
  return out;
}

const CLASS_INDEX = new Map<string, number>(PROPERTY_CLASSES.map((c, i) => [c, i]));

/** Writes the parcel characteristic fields starting at f[from] into row i. */
function setParcelFields(
  c: ParcelColumns,
  i: number,
  f: string[],
  from: number,
  names: string[],
  index: Map<string, number>,
): void {
  const name = f[from];
  let nb = index.get(name);
  if (nb === undefined) {
    nb = names.length;
    names.push(copyDecode(name) ?? '');
    index.set(name, nb);
  }
  c.neighborhood[i] = nb;
  c.propertyClass[i] = CLASS_INDEX.get(f[from + 1]) ?? 0;
  c.landSqft[i] = num(f[from + 2]);
  c.buildingSqft[i] = num(f[from + 3]);
  c.yearBuilt[i] = num(f[from + 4]);
  c.quality[i] = num(f[from + 5]);
  c.condition[i] = num(f[from + 6]);
  c.bathrooms[i] = num(f[from + 7]);
}

function newBatch(names: string[]): ParcelBatch {
  return { ...allocateColumns(PARCEL_BATCH_SIZE, names), size: 0, keys: [] };
}

function trimBatch(b: ParcelBatch): ParcelBatch {
  const n = b.size;
  return {
    size: n,
    keys: b.keys,
    neighborhoods: b.neighborhoods,
    neighborhood: b.neighborhood.subarray(0, n),
    propertyClass: b.propertyClass.subarray(0, n),
    landSqft: b.landSqft.subarray(0, n),
    buildingSqft: b.buildingSqft.subarray(0, n),
    yearBuilt: b.yearBuilt.subarray(0, n),
    quality: b.quality.subarray(0, n),
    condition: b.condition.subarray(0, n),
    bathrooms: b.bathrooms.subarray(0, n),
  };
}

/** Accumulates parcel characteristic fields of rows of unknown count into growing columns. */
class ColumnsParser {
  private capacity = 4096;
  private columns: ParcelColumns;
  private readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly from: number) {
    this.columns = allocateColumns(this.capacity, this.names);
    this.columns.size = 0;
  }

  add(f: string[]): void {
    if (this.columns.size === this.capacity) this.grow();
    const i = this.columns.size;
    setParcelFields(this.columns, i, f, this.from, this.names, this.index);
    this.columns.size = i + 1;
  }

  finish(): ParcelColumns {
    const c = this.columns;
    const n = c.size;
    return {
      size: n,
      neighborhoods: this.names,
      neighborhood: c.neighborhood.slice(0, n),
      propertyClass: c.propertyClass.slice(0, n),
      landSqft: c.landSqft.slice(0, n),
      buildingSqft: c.buildingSqft.slice(0, n),
      yearBuilt: c.yearBuilt.slice(0, n),
      quality: c.quality.slice(0, n),
      condition: c.condition.slice(0, n),
      bathrooms: c.bathrooms.slice(0, n),
    };
  }

  private grow(): void {
    const old = this.columns;
    this.capacity *= 2;
    const next = allocateColumns(this.capacity, this.names);
    next.neighborhood.set(old.neighborhood);
    next.propertyClass.set(old.propertyClass);
    next.landSqft.set(old.landSqft);
    next.buildingSqft.set(old.buildingSqft);
    next.yearBuilt.set(old.yearBuilt);
    next.quality.set(old.quality);
    next.condition.set(old.condition);
    next.bathrooms.set(old.bathrooms);
    next.size = old.size;
    this.columns = next;
  }
}
