// SQL of GIS exports: the parcel selection (attributes + values of one tax year), its statistics, and the
// rows streamed out of PostgreSQL with `COPY (SELECT …) TO STDOUT`.
//
// Why COPY rather than a cursor: COPY streams the result with flow control — pg-copy-streams reads the
// socket only while our consumer asks for data, so a slow consumer makes the server wait and memory stays
// at a few socket buffers whatever the county's size — and it is the cheapest way out of PostgreSQL (no
// per-row protocol messages parsed into objects, no FETCH round trips). The selection and its statistics
// run in one REPEATABLE READ READ ONLY transaction, so the count matches the rows streamed.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import pgCopyStreams from 'pg-copy-streams';
import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { valueSetRelation, type ValueSet } from '../counties/value-sets.repository.js';
import { copyDecode, copyLines } from '../database/copy-text.js';
import { driverClient, releaseRunner } from '../database/pg-client.js';
import { EXPORT_FIELDS, type ExportRecord } from './writers/export-fields.js';
import {
  coord,
  geoJsonFromJsonbText,
  isCanonicalCoordinate,
  normaliseGeometry,
  roundCoordinate,
} from './writers/geometry.js';

export interface ExportSelection {
  countyId: string;
  /** The values exported (their tax year); null when the county has no values at all (values left empty). */
  values: ValueSet | null;
  neighborhoods?: string[];
  propertyClasses?: string[];
  /** minLon, minLat, maxLon, maxLat: parcels whose location (lon/lat: the centroid unless imported) is inside. */
  bbox?: [number, number, number, number];
}

export interface SelectionStats {
  count: number;
  /** Widest UTF-8 value of the text fields. */
  textBytes: Record<string, number>;
}

type Quote = (value: string) => string;

function literalList(values: string[], quote: Quote): string {
  return 'ARRAY[' + values.map(quote).join(',') + ']::text[]';
}

function finite(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  return String(n);
}

/** WHERE clause of a selection, with literals quoted by the driver (COPY takes no bind parameters). */
export function selectionWhere(s: ExportSelection, quote: Quote): string {
  const where = [`p.county_id = ${quote(s.countyId)}`];
  if (s.neighborhoods && s.neighborhoods.length > 0) {
    where.push(`p.neighborhood = ANY (${literalList(s.neighborhoods, quote)})`);
  }
  if (s.propertyClasses && s.propertyClasses.length > 0) {
    where.push(`p.property_class = ANY (${literalList(s.propertyClasses, quote)})`);
  }
  if (s.bbox) {
    const [minLon, minLat, maxLon, maxLat] = s.bbox.map(finite);
    where.push(`p.lon BETWEEN ${minLon} AND ${maxLon}`, `p.lat BETWEEN ${minLat} AND ${maxLat}`);
  }
  return where.join(' AND ');
}

/** The export query: one row per parcel in parcel_id order, columns as COPY_COLUMNS. */
export function exportSelectSql(s: ExportSelection, quote: Quote): string {
  const values =
    s.values === null
      ? 'NULL::numeric AS land_value, NULL::numeric AS improvement_value, NULL::numeric AS total_value'
      : 'a.land_value, a.improvement_value, a.total_value';
  const bind = (v: string | number) => (typeof v === 'number' ? String(finite(v)) : quote(v));
  const join =
    s.values === null
      ? ''
      : ` LEFT JOIN ${valueSetRelation(s.values, s.countyId, bind)} a ON a.parcel_id = p.parcel_id`;
  return (
    `SELECT p.parcel_id, p.neighborhood, p.property_class, p.land_sqft, p.building_sqft, p.year_built, p.quality,` +
    ` p.condition, p.bedrooms, p.bathrooms, p.situs_address, p.lon, p.lat, p.geometry, ${values}` +
    ` FROM parcels p${join} WHERE ${selectionWhere(s, quote)} ORDER BY p.parcel_id`
  );
}

export function exportCopySql(s: ExportSelection, quote: Quote): string {
  return `COPY (${exportSelectSql(s, quote)}) TO STDOUT`;
}

function statsSql(s: ExportSelection, quote: Quote, widths: boolean): string {
  // Without widths a bare count, which PostgreSQL can answer from an index without reading the rows.
  if (!widths) {
    return (
      `SELECT count(*)::int AS n, 0 AS parcel_id, 0 AS neighborhood, 0 AS situs_address` +
      ` FROM parcels p WHERE ${selectionWhere(s, quote)}`
    );
  }
  return (
    `SELECT count(*)::int AS n, coalesce(max(octet_length(p.parcel_id)), 0)::int AS parcel_id,` +
    ` coalesce(max(octet_length(p.neighborhood)), 0)::int AS neighborhood,` +
    ` coalesce(max(octet_length(p.situs_address)), 0)::int AS situs_address` +
    ` FROM parcels p WHERE ${selectionWhere(s, quote)}`
  );
}

/** One read-only snapshot of the database on a connection of its own. */
export class ExportReader {
  constructor(private readonly client: pg.ClientBase) {}

  quote = (value: string): string => this.client.escapeLiteral(value);

  /** Count of the selection and, with `widths` (shapefile field widths), the widest text values. */
  async stats(s: ExportSelection, widths = true): Promise<SelectionStats> {
    const { rows } = await this.client.query<{
      n: number;
      parcel_id: number;
      neighborhood: number;
      situs_address: number;
    }>(statsSql(s, this.quote, widths));
    const r = rows[0];
    return {
      count: r.n,
      textBytes: { parcel_id: r.parcel_id, neighborhood: r.neighborhood, situs_address: r.situs_address },
    };
  }

  /** The selection's rows as COPY text (tab-separated, one line each). */
  copy(s: ExportSelection): Readable {
    return this.client.query(pgCopyStreams.to(exportCopySql(s, this.quote)));
  }
}

@Injectable()
export class GisExportRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async countyExists(countyId: string): Promise<boolean> {
    const rows = await this.dataSource.query('SELECT 1 FROM counties WHERE id = $1', [countyId]);
    return rows.length > 0;
  }

  /**
   * Runs `work` in a REPEATABLE READ READ ONLY transaction on a pooled connection without statement
   * timeout. On failure the connection is discarded, not returned: a COPY may still be streaming on it.
   */
  async withReader<T>(work: (reader: ExportReader) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const client = driverClient(runner);
    let failure: unknown = null;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query('SET LOCAL statement_timeout = 0');
      const result = await work(new ExportReader(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      await releaseRunner(runner, failure);
    }
  }
}

// --- COPY text → export records ----------------------------------------------------------------------

/** Columns of the export query, in order. */
const COL = {
  lon: 11,
  lat: 12,
  geometry: 13,
  values: 14,
} as const;
const COLUMN_COUNT = 17;
/** Positions of the number fields among the attribute columns 0..10 of the query. */
const NUMBER_COLUMN = EXPORT_FIELDS.slice(0, 11).map((f) => f.kind === 'number');

/** A number column's text, null for NULL and for NaN/Infinity (no format can carry them). */
function numberText(field: string): string | null {
  if (field === '\\N') return null;
  const c = field.charCodeAt(0);
  // 'N'aN, 'I'nfinity, '-I'nfinity
  if (c === 78 || c === 73 || (c === 45 && field.charCodeAt(1) === 73)) return null;
  return field;
}

function coordinateText(field: string): string | null {
  if (isCanonicalCoordinate(field)) return field; // ≤ 7 decimals already: nothing to round
  const text = numberText(field);
  if (text === null) return null;
  return coord(roundCoordinate(Number(text)));
}

/**
 * One COPY line of the export query as an export record (tax year given as text). With `geoJson`, the
 * geometry comes as final GeoJSON text (`record.geojson`) made straight from the database's text when its
 * coordinates need no rounding, which saves parsing it into objects and printing every number again.
 */
export function parseCopyLine(line: string, taxYear: string | null, geoJson = false): ExportRecord {
  const f = line.split('\t');
  if (f.length !== COLUMN_COUNT) throw new Error(`unexpected COPY row with ${f.length} columns`);
  const values: (string | null)[] = new Array(EXPORT_FIELDS.length);
  for (let i = 0; i < 11; i++) values[i] = NUMBER_COLUMN[i] ? numberText(f[i]) : copyDecode(f[i]);
  values[11] = coordinateText(f[COL.lon]);
  values[12] = coordinateText(f[COL.lat]);
  values[13] = taxYear;
  values[14] = numberText(f[COL.values]);
  values[15] = numberText(f[COL.values + 1]);
  values[16] = numberText(f[COL.values + 2]);
  const raw = f[COL.geometry];
  if (geoJson && raw.indexOf('\\') === -1) {
    const text = geoJsonFromJsonbText(raw);
    if (text !== null) return { values, geometry: null, geojson: text };
  }
  const g = copyDecode(raw);
  return { values, geometry: g === null ? null : normaliseGeometry(JSON.parse(g)) };
}

/** Parses a COPY text stream into batches of records (one batch per incoming chunk); see parseCopyLine. */
export async function* copyRecords(
  source: AsyncIterable<Buffer>,
  taxYear: number | null,
  geoJson = false,
): AsyncGenerator<ExportRecord[]> {
  const year = taxYear === null ? null : String(taxYear);
  for await (const lines of copyLines(source)) {
    const batch: ExportRecord[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) batch[i] = parseCopyLine(lines[i], year, geoJson);
    yield batch;
  }
}
