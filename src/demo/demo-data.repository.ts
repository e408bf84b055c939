// SQL of demo loading: one transaction on one pg connection, rows streamed in with COPY.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import pgCopyStreams from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { PARCEL_VALUE_COLUMNS } from '../counties/parcel-columns.js';
import { driverClient } from '../database/pg-client.js';

/** Fixed 64-bit advisory lock key for "is the demo county there yet?" ("TFDEMO01"). */
export const DEMO_LOCK_KEY = '6072059520226078769';

/** Lines per chunk handed to COPY: big enough to amortise stream overhead, small enough to stay bounded. */
const CHUNK_LINES = 2000;

export class DemoDataRepository {
  constructor(private readonly client: pg.ClientBase) {}

  async begin(): Promise<void> {
    await this.client.query('BEGIN');
    // Loading a large county must not be cut short by a statement timeout meant for API queries.
    await this.client.query('SET LOCAL statement_timeout = 0');
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.client.query('ROLLBACK');
  }

  /** Serialises demo loading across replicas until the transaction ends. */
  async lockDemoLoading(): Promise<void> {
    await this.client.query('SELECT pg_advisory_xact_lock($1)', [DEMO_LOCK_KEY]);
  }

  async countCounties(): Promise<number> {
    const { rows } = await this.client.query<{ n: string }>('SELECT count(*) AS n FROM counties');
    return Number(rows[0].n);
  }

  /** Creates the county or renames it, keeping its id (and whatever else refers to it). */
  async upsertCounty(id: string, name: string, state: string): Promise<void> {
    await this.client.query(
      `INSERT INTO counties (id, name, state) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, state = EXCLUDED.state, updated_at = now()`,
      [id, name, state],
    );
  }

  /** Removes the county's parcels, sales and roll values (children first, so no cascade scan per row). */
  async deleteCountyData(countyId: string): Promise<void> {
    await this.client.query('DELETE FROM assessments WHERE county_id = $1', [countyId]);
    await this.client.query('DELETE FROM sales WHERE county_id = $1', [countyId]);
    await this.client.query('DELETE FROM parcels WHERE county_id = $1', [countyId]);
  }

  /** COPY `lines` (text format, each ending in a newline) into `table (columns)`. */
  async copyLines(table: CopyTable, lines: Iterable<string>): Promise<void> {
    const sql = `COPY ${table} (${COPY_COLUMNS[table].join(', ')}) FROM STDIN`;
    const target = this.client.query(pgCopyStreams.from(sql));
    await pipeline(Readable.from(chunked(lines), { objectMode: false }), target);
  }

  async analyze(): Promise<void> {
    await this.client.query('ANALYZE parcels, sales, assessments');
  }
}

export type CopyTable = 'parcels' | 'sales' | 'assessments';

export const COPY_COLUMNS: Record<CopyTable, readonly string[]> = {
  parcels: ['county_id', 'parcel_id', ...PARCEL_VALUE_COLUMNS],
  sales: ['county_id', 'parcel_id', 'sale_date', 'sale_price', 'is_valid', 'validity_code', 'deed_type'],
  assessments: ['county_id', 'parcel_id', 'tax_year', 'land_value', 'improvement_value', 'total_value'],
};

function* chunked(lines: Iterable<string>): Generator<string> {
  let buffer: string[] = [];
  for (const line of lines) {
    buffer.push(line);
    if (buffer.length >= CHUNK_LINES) {
      yield buffer.join('');
      buffer = [];
    }
  }
  if (buffer.length > 0) yield buffer.join('');
}

/** Where demo data goes: the app's TypeORM DataSource (one pooled connection is borrowed) or a pg client. */
export type DemoTarget = DataSource | pg.ClientBase;

/** Runs `work` with a repository on one connection of `target`. */
export async function withDemoRepository<T>(
  target: DemoTarget,
  work: (repository: DemoDataRepository) => Promise<T>,
): Promise<T> {
  if (!isDataSource(target)) return work(new DemoDataRepository(target));
  const runner = target.createQueryRunner();
  await runner.connect();
  try {
    // COPY needs the driver's client itself; TypeORM's query() cannot stream.
    return await work(new DemoDataRepository(driverClient(runner)));
  } finally {
    await runner.release();
  }
}

function isDataSource(target: DemoTarget): target is DataSource {
  return typeof (target as DataSource).createQueryRunner === 'function';
}
