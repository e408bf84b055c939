// SQL of imports: one transaction per file — COPY into a temp staging table, then one set-wise upsert.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Writable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { ImportKind } from './import/import-formats.js';
import { PARCEL_VALUE_COLUMNS } from './parcel-columns.js';
import { inTransaction, takeConnection } from '../database/pg-client.js';

export interface UnknownParcelRow {
  line: number;
  parcel_id: string;
}

export interface MergeOutcome {
  /** Rows that reached the staging table (valid rows). */
  staged: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Staged rows superseded by a later row of the same file with the same natural key. */
  superseded: number;
  /** Sales/assessments naming a parcel the county does not have. */
  unknownParcels: { count: number; first: UnknownParcelRow[] };
}

/** Column types of the staging table, identical to the target columns so comparisons are exact. */
const STAGING_TYPES: Record<string, string> = {
  parcel_id: 'text NOT NULL',
  neighborhood: 'text',
  property_class: 'text',
  land_sqft: 'double precision',
  building_sqft: 'double precision',
  year_built: 'smallint',
  quality: 'smallint',
  condition: 'smallint',
  bedrooms: 'smallint',
  bathrooms: 'real',
  situs_address: 'text',
  lon: 'double precision',
  lat: 'double precision',
  geometry: 'jsonb',
  sale_date: 'date',
  sale_price: 'numeric(14,2)',
  is_valid: 'boolean',
  validity_code: 'text',
  deed_type: 'text',
  tax_year: 'smallint',
  land_value: 'numeric(14,2)',
  improvement_value: 'numeric(14,2)',
  total_value: 'numeric(14,2)',
};

/** Imports of one county are applied one after another: this lock is held until the transaction ends. */
export async function lockCountyImports(client: PoolClient, countyId: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`terrafusion:import:${countyId}`]);
}

interface MergeSql {
  /** Natural key inside a county. */
  key: readonly string[];
  /** Columns written from the staging row. */
  columns: readonly string[];
  hasUpdatedAt: boolean;
  table: string;
  /** Whether rows must name an existing parcel of the county. */
  needsParcel: boolean;
}

const MERGES: Record<ImportKind, MergeSql> = {
  parcels: {
    table: 'parcels',
    key: ['parcel_id'],
    columns: PARCEL_VALUE_COLUMNS,
    hasUpdatedAt: true,
    needsParcel: false,
  },
  sales: {
    table: 'sales',
    key: ['parcel_id', 'sale_date'],
    columns: ['sale_price', 'is_valid', 'validity_code', 'deed_type'],
    hasUpdatedAt: false,
    needsParcel: true,
  },
  assessments: {
    table: 'assessments',
    key: ['parcel_id', 'tax_year'],
    columns: ['land_value', 'improvement_value', 'total_value'],
    hasUpdatedAt: true,
    needsParcel: true,
  },
};

/** Builds the upsert: last row per key wins; unchanged rows are not written (IS DISTINCT FROM). */
export function mergeStatement(kind: ImportKind): string {
  const m = MERGES[kind];
  const insertColumns = ['county_id', ...m.key, ...m.columns];
  const selectList = ['$1', ...m.key, ...m.columns];
  const compared = m.columns;
  const assignments = compared.map((c) => `${c} = EXCLUDED.${c}`);
  if (m.hasUpdatedAt) assignments.push('updated_at = now()');
  const keyList = m.key.join(', ');
  return `
    WITH src AS (
      SELECT DISTINCT ON (${keyList}) * FROM import_stage ORDER BY ${keyList}, line DESC
    ), merged AS (
      INSERT INTO ${m.table} AS t (${insertColumns.join(', ')})
      SELECT ${selectList.join(', ')} FROM src ORDER BY ${keyList}
      ON CONFLICT (county_id, ${keyList}) DO UPDATE SET ${assignments.join(', ')}
      WHERE (${compared.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${compared.map((c) => `EXCLUDED.${c}`).join(', ')})
      RETURNING (xmax = 0) AS inserted
    )
    SELECT (SELECT count(*) FROM src)::int AS distinct_rows,
           count(*) FILTER (WHERE inserted)::int AS inserted,
           count(*) FILTER (WHERE NOT inserted)::int AS updated
      FROM merged`;
}

const REMOVE_UNKNOWN_PARCELS = `
  WITH gone AS (
    DELETE FROM import_stage s
     WHERE NOT EXISTS (SELECT 1 FROM parcels p WHERE p.county_id = $1 AND p.parcel_id = s.parcel_id)
    RETURNING line, parcel_id
  )
  SELECT (SELECT count(*) FROM gone)::int AS count,
         (SELECT coalesce(jsonb_agg(g ORDER BY g.line), '[]'::jsonb)
            FROM (SELECT line, parcel_id FROM gone ORDER BY line LIMIT $2) g) AS first`;

@Injectable()
export class CountyImportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs one import in one transaction: `writeRows` streams COPY text (line + `columns`) into the
   * staging table; then rows of unknown parcels are set aside and the rest upserted. Any failure —
   * in `writeRows`, the COPY or the upsert — rolls everything back.
   */
  async importRows(
    countyId: string,
    kind: ImportKind,
    columns: readonly string[],
    writeRows: (copyIn: Writable) => Promise<void>,
    unknownShown: number,
  ): Promise<MergeOutcome> {
    // The pool's own pg client: COPY needs the raw connection, and no second pool is opened.
    const connection = await takeConnection(this.dataSource);
    const { client } = connection;
    return inTransaction(connection, async (trackCopy) => {
      // The COPY lasts as long as the upload, and the upsert grows with the file: DATABASE_STATEMENT_TIMEOUT_MS
      // is meant for API queries, not for these two statements.
      await client.query('SET LOCAL statement_timeout = 0');
      const columnDdl = columns.map((c) => `${c} ${STAGING_TYPES[c]}`).join(', ');
      await client.query(`CREATE TEMP TABLE import_stage (line integer NOT NULL, ${columnDdl}) ON COMMIT DROP`);
      const copy = client.query(copyFrom(`COPY import_stage (line, ${columns.join(', ')}) FROM STDIN`));
      trackCopy(copy);
      await writeRows(copy);
      const staged = copy.rowCount;
      // Imports of one county are applied one after another (the upload itself is not serialised).
      await lockCountyImports(client, countyId);

      let unknownParcels: MergeOutcome['unknownParcels'] = { count: 0, first: [] };
      if (MERGES[kind].needsParcel) {
        const { rows } = await client.query<{ count: number; first: UnknownParcelRow[] }>(REMOVE_UNKNOWN_PARCELS, [
          countyId,
          unknownShown,
        ]);
        unknownParcels = rows[0];
      }
      const { rows } = await client.query<{ distinct_rows: number; inserted: number; updated: number }>(
        mergeStatement(kind),
        [countyId],
      );
      const { distinct_rows, inserted, updated } = rows[0];
      return {
        staged,
        inserted,
        updated,
        unchanged: distinct_rows - inserted - updated,
        superseded: staged - unknownParcels.count - distinct_rows,
        unknownParcels,
      };
    });
  }
}
