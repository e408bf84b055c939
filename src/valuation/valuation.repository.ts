// SQL of valuations: sales and parcels streamed out with COPY into typed arrays, values streamed back with COPY
// into a staging table, then swapped in for the tax year in one transaction.
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
  replaced: number;
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

// Existing rows are updated in place: only value columns change, so with the table's fillfactor (migration
// 1764600000000) the new versions stay on their page (HOT) — no index entries, no foreign-key checks.
const UPDATE_VALUES = `UPDATE assessments a
     SET land_value = s.land_value, improvement_value = s.improvement_value, total_value = s.total_value,
         source = 'valuation', job_id = $3, updated_at = now()
    FROM valuation_stage s
   WHERE a.county_id = $1 AND a.tax_year = $2 AND a.parcel_id = s.parcel_id`;
// Parcels without a row for the year yet (a first valuation of a new tax year).
const INSERT_VALUES = `INSERT INTO assessments
    (county_id, parcel_id, tax_year, land_value, improvement_value, total_value, source, job_id, updated_at)
  SELECT $1, s.parcel_id, $2, s.land_value, s.improvement_value, s.total_value, 'valuation', $3, now()
    FROM valuation_stage s
   WHERE NOT EXISTS (SELECT 1 FROM assessments a
                      WHERE a.county_id = $1 AND a.tax_year = $2 AND a.parcel_id = s.parcel_id)
   ORDER BY s.parcel_id`;
const RECORD_RUN = `INSERT INTO valuation_runs (job_id, county_id, tax_year, method, neighborhoods, parcel_count)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (job_id) DO UPDATE SET county_id = EXCLUDED.county_id, tax_year = EXCLUDED.tax_year,
    method = EXCLUDED.method, neighborhoods = EXCLUDED.neighborhoods, parcel_count = EXCLUDED.parcel_count,
    written_at = now(), superseded_at = NULL`;
const SUPERSEDE_RUNS = `UPDATE valuation_runs SET superseded_at = now()
  WHERE county_id = $1 AND tax_year = $2 AND job_id <> $3 AND superseded_at IS NULL`;

const PAGE_FIRST = `SELECT parcel_id, land_value::float8 AS land_value, improvement_value::float8 AS improvement_value,
    total_value::float8 AS total_value
  FROM assessments WHERE county_id = $1 AND tax_year = $2 AND job_id = $3
  ORDER BY parcel_id LIMIT $4`;
const PAGE_AFTER = `SELECT parcel_id, land_value::float8 AS land_value, improvement_value::float8 AS improvement_value,
    total_value::float8 AS total_value
  FROM assessments WHERE county_id = $1 AND tax_year = $2 AND job_id = $3 AND parcel_id > $5
  ORDER BY parcel_id LIMIT $4`;

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
   * Replaces the values of the scope's parcels for the tax year in one transaction: `produce` writes every value
   * through the sink into a staging table; then, under a lock per county and year, each valued parcel's row of
   * the year is overwritten (or inserted) with source 'valuation' and the job id; `beforeCommit` runs last (it may
   * still abort). Readers see the old values until the commit; a crash at any point leaves them. A parcel added
   * after the parcels were read keeps whatever row it has.
   */
  async replaceValues(
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
      // Room for the join of the staged values with the year's rows to stay in memory.
      await client.query("SET LOCAL work_mem = '64MB'");
      await client.query(
        `CREATE TEMP TABLE valuation_stage (parcel_id text NOT NULL, land_value numeric(14,2) NOT NULL,
           improvement_value numeric(14,2) NOT NULL, total_value numeric(14,2) NOT NULL) ON COMMIT DROP`,
      );
      const copy = client.query(
        copyFrom('COPY valuation_stage (parcel_id, land_value, improvement_value, total_value) FROM STDIN'),
      );
      trackCopy(copy);
      let failure: Error | undefined;
      copy.on('error', (error: Error) => (failure = error));
      await produce({
        write: async (batch, values) => {
          if (failure) throw failure;
          if (!copy.write(valueLines(batch, values))) await once(copy, 'drain');
        },
      });
      copy.end();
      await finished(copy);
      const written = copy.rowCount;

      await client.query('ANALYZE valuation_stage');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `terrafusion:valuation:${scope.countyId}:${scope.taxYear}`,
      ]);
      const params = [scope.countyId, scope.taxYear, jobId];
      const updated = (await client.query(UPDATE_VALUES, params)).rowCount ?? 0;
      if (updated < written) await client.query(INSERT_VALUES, params);
      await client.query(RECORD_RUN, [
        jobId,
        scope.countyId,
        scope.taxYear,
        method,
        scope.neighborhoods ? JSON.stringify(scope.neighborhoods) : null,
        written,
      ]);
      // Only a run over the whole county leaves nothing of the earlier runs of the year.
      if (!scope.neighborhoods) await client.query(SUPERSEDE_RUNS, [scope.countyId, scope.taxYear, jobId]);
      await beforeCommit();
      return { written, replaced: updated };
    });
  }

  /** The run's county and tax year, or null when the job wrote no values. */
  async findRun(jobId: string): Promise<{ countyId: string; taxYear: number } | null> {
    const rows = await this.dataSource.query<{ county_id: string; tax_year: number }[]>(
      'SELECT county_id, tax_year FROM valuation_runs WHERE job_id = $1',
      [jobId],
    );
    return rows.length === 0 ? null : { countyId: rows[0].county_id, taxYear: rows[0].tax_year };
  }

  /** Values the job wrote that are still current, by parcel id, after `afterParcelId`. */
  async pageParcelValues(
    run: { countyId: string; taxYear: number },
    jobId: string,
    limit: number,
    afterParcelId?: string,
  ): Promise<ParcelValueRow[]> {
    const params: unknown[] = [run.countyId, run.taxYear, jobId, limit];
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

function valueLines(batch: ParcelBatch, values: ValueBatch): string {
  let out = '';
  for (let i = 0; i < batch.size; i++) {
    const land = values.land[i];
    const improvement = values.improvement[i];
    // keys are parcel ids exactly as COPY printed them: already escaped for COPY text.
    out += `${batch.keys[i]}\t${amount(land)}\t${amount(improvement)}\t${amount(land + improvement)}\n`;
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
