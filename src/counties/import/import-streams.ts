// Streaming stages of an import: byte limit → CSV or GeoJSON records → validated COPY text.
import { Transform, type TransformCallback, type Writable, type Readable, finished } from 'node:stream';
import { CsvError, parse as parseCsv } from 'csv-parse';
import StreamJsonParser from 'stream-json/Parser.js';
import StreamJsonPick from 'stream-json/filters/Pick.js';
import StreamJsonArray from 'stream-json/streamers/StreamArray.js';
import type { FieldError } from '../../common/problem.js';
import { checkHeader, copyLine, type ImportKindSpec, type ImportRules } from './import-formats.js';
import {
  EmptyImportProblem,
  ImportAbortedProblem,
  ImportHeaderProblem,
  ImportTooLargeProblem,
  MalformedImportProblem,
} from './import-problems.js';

/** One row of the file, before validation. */
export interface ImportRecord {
  /** CSV: line number in the file (header = 1). GeoJSON: 1-based feature index. */
  line: number;
  fields: Record<string, unknown>;
  /** GeoJSON: the feature's geometry (null when the feature has none). */
  geometry?: unknown;
  /** Problems with the row's shape (wrong field count, not a Feature). */
  errors?: FieldError[];
}

export interface RejectedRow {
  line: number;
  parcel_id?: string;
  errors: FieldError[];
}

/** How many rejected rows an answer lists in full. */
export const REJECTED_ROWS_SHOWN = 100;

/** The rejection counts of one import stage. */
export interface RejectionStats {
  rejected: number;
  /** The first REJECTED_ROWS_SHOWN rejected rows, in file order. */
  rejectedRows: RejectedRow[];
}

/**
 * Counts one rejected row and keeps it while fewer than REJECTED_ROWS_SHOWN are kept; `parcelId` is read
 * only then, and shown trimmed and cut to 100 characters.
 */
export function countRejected(stats: RejectionStats, line: number, errors: FieldError[], parcelId: () => string): void {
  stats.rejected++;
  if (stats.rejectedRows.length >= REJECTED_ROWS_SHOWN) return;
  const id = parcelId().trim();
  stats.rejectedRows.push({ line, ...(id ? { parcel_id: id.slice(0, 100) } : {}), errors });
}

/** The error of a CSV record whose field count differs from the header's. */
export function fieldCountError(fields: number, headerFields: number): FieldError {
  return { field: 'row', message: `has ${fields} fields but the header has ${headerFields}` };
}

/** The CSV header's column names (trimmed, lower-case), checked against the spec; throws the 400 for a bad one. */
export function headerColumns(spec: ImportKindSpec<unknown>, values: readonly string[]): string[] {
  const wrongFile = wrongFileProblem(values);
  if (wrongFile) throw wrongFile;
  const names = values.map((name) => name.trim().toLowerCase());
  const errors = checkHeader(spec, names);
  if (errors.length) throw new ImportHeaderProblem(errors);
  return names;
}

const OTHER_DELIMITERS: [string, string][] = [
  [';', 'semicolon'],
  ['\t', 'tab'],
  ['|', 'pipe'],
];

/**
 * A header that is not a UTF-8, comma-separated one, told as such rather than as a list of unknown
 * columns: a UTF-16/UTF-32 file decodes as replacement characters with NULs between the letters, and a
 * spreadsheet's ";"-separated export (European locales) comes as one column holding every name.
 */
export function wrongFileProblem(values: readonly string[]): MalformedImportProblem | null {
  const text = values.join(',');
  if (text.includes('\u0000')) {
    const encoding = text.includes('\u0000\u0000\u0000') ? 'UTF-32' : 'UTF-16';
    return new MalformedImportProblem(
      `The file is ${encoding}, not UTF-8 (its header has NUL bytes between the letters); save it as UTF-8 and send it again.`,
    );
  }
  if (values.length === 1) {
    for (const [delimiter, name] of OTHER_DELIMITERS) {
      if (values[0].split(delimiter).length >= 3) {
        return new MalformedImportProblem(
          `The header looks ${name}-separated ("${delimiter === '\t' ? '\\t' : delimiter}"); the import takes comma-separated values — export the file as CSV with commas.`,
        );
      }
    }
  }
  return null;
}

/** Largest CSV record accepted (a parcel with a detailed multipolygon WKT is the big case). */
export const MAX_CSV_RECORD_BYTES = 16 * 1024 * 1024;
/** COPY data is sent in chunks of about this size. */
const COPY_CHUNK_BYTES = 256 * 1024;

/** Fails with 413 once more than `limit` bytes came through. */
export class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) cb(new ImportTooLargeProblem(this.limit));
    else cb(null, chunk);
  }
}

/** csv-parse, then the header check and one record per row keyed by column name. */
export function csvRecordStages(spec: ImportKindSpec<unknown>): Transform[] {
  const parser = parseCsv({
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    relax_column_count: true,
    record_delimiter: ['\n', '\r\n'],
    max_record_size: MAX_CSV_RECORD_BYTES,
  });
  return [parser, new CsvRecords(spec)];
}

class CsvRecords extends Transform {
  private header: string[] | null = null;
  constructor(private readonly spec: ImportKindSpec<unknown>) {
    super({ objectMode: true });
  }

  override _transform(
    chunk: { record: string[]; info: { lines: number } },
    _enc: BufferEncoding,
    cb: TransformCallback,
  ): void {
    const { record, info } = chunk;
    if (this.header === null) {
      try {
        this.header = headerColumns(this.spec, record);
      } catch (error) {
        return cb(error as Error);
      }
      return cb();
    }
    // csv-parse reports the line a record ends on; a quoted value may span lines.
    let newlines = 0;
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < record.length; i++) {
      const value = record[i];
      if (value.includes('\n')) newlines += value.split('\n').length - 1;
      if (i < this.header.length) fields[this.header[i]] = value;
    }
    const out: ImportRecord = { line: info.lines - newlines, fields };
    if (record.length !== this.header.length) {
      out.errors = [fieldCountError(record.length, this.header.length)];
    }
    cb(null, out);
  }

  override _flush(cb: TransformCallback): void {
    if (this.header === null) return cb(new EmptyImportProblem('The file is empty: expected a header row.'));
    cb();
  }
}

/** Errors of the JSON tokenizer, told apart from database and validation errors. */
const jsonSyntaxErrors = new WeakSet<object>();

/** stream-json tokenizer → FeatureCollection shape check → one record per feature. */
export function geoJsonRecordStages(spec: ImportKindSpec<unknown>): Transform[] {
  const tokenizer = StreamJsonParser.parser({ packValues: true, streamValues: false }) as unknown as Transform;
  // The tokenizer also re-emits errors of later stages when the pipeline tears down; keep its own only.
  tokenizer.once('error', (error: Error) => {
    if (/^Parser (cannot parse input|has expected)/.test(error.message)) jsonSyntaxErrors.add(error);
  });
  return [
    tokenizer,
    new FeatureCollectionShape(),
    StreamJsonPick.pick({ filter: 'features' }) as unknown as Transform,
    StreamJsonArray.streamArray() as unknown as Transform,
    new FeatureRecords(spec),
  ];
}

interface JsonToken {
  name: string;
  value?: unknown;
}

/** Passes tokens through and checks the document is an object with type FeatureCollection and features. */
class FeatureCollectionShape extends Transform {
  private depth = 0;
  private first = true;
  private rootIsObject = false;
  private key: string | null = null;
  private type: unknown = undefined;
  private hasFeatures = false;

  constructor() {
    super({ objectMode: true });
  }

  override _transform(token: JsonToken, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.first) {
      this.first = false;
      this.rootIsObject = token.name === 'startObject';
    }
    if (this.depth === 1 && token.name === 'keyValue') {
      this.key = token.value as string;
    } else if (this.depth === 1 && this.key !== null) {
      if (this.key === 'type') this.type = token.name === 'stringValue' ? token.value : token.name;
      if (this.key === 'features') {
        if (token.name !== 'startArray') {
          return cb(new MalformedImportProblem('The GeoJSON "features" member must be an array of Features.'));
        }
        this.hasFeatures = true;
      }
      this.key = null;
    }
    if (token.name === 'startObject' || token.name === 'startArray') this.depth++;
    else if (token.name === 'endObject' || token.name === 'endArray') this.depth--;
    cb(null, token);
  }

  override _flush(cb: TransformCallback): void {
    if (this.first) return cb(new EmptyImportProblem('The file is empty: expected a GeoJSON FeatureCollection.'));
    if (!this.rootIsObject || this.type !== 'FeatureCollection') {
      return cb(new MalformedImportProblem('The document must be a GeoJSON object with "type": "FeatureCollection".'));
    }
    if (!this.hasFeatures) return cb(new MalformedImportProblem('The FeatureCollection has no "features" array.'));
    cb();
  }
}

class FeatureRecords extends Transform {
  private readonly allowed: Set<string>;
  constructor(private readonly spec: ImportKindSpec<unknown>) {
    super({ objectMode: true });
    this.allowed = new Set(spec.allowedProperties);
  }

  override _transform(item: { key: number; value: unknown }, _enc: BufferEncoding, cb: TransformCallback): void {
    const line = item.key + 1;
    const feature = item.value as { type?: unknown; properties?: unknown; geometry?: unknown } | null;
    if (typeof feature !== 'object' || feature === null || Array.isArray(feature) || feature.type !== 'Feature') {
      return cb(null, {
        line,
        fields: {},
        errors: [{ field: 'feature', message: 'must be a GeoJSON object with "type": "Feature"' }],
      } satisfies ImportRecord);
    }
    const properties = feature.properties ?? {};
    if (typeof properties !== 'object' || Array.isArray(properties)) {
      return cb(null, {
        line,
        fields: {},
        errors: [{ field: 'properties', message: 'must be an object' }],
      } satisfies ImportRecord);
    }
    // Unknown property names are refused like unknown CSV columns, at the first feature carrying one.
    const unknown = Object.keys(properties).filter((k) => !this.allowed.has(k));
    if (unknown.length) {
      return cb(
        new ImportHeaderProblem(
          unknown.map((field) => ({ field, message: 'is not a known column' })),
          `Feature ${line}`,
        ),
      );
    }
    cb(null, {
      line,
      fields: properties as Record<string, unknown>,
      geometry: feature.geometry ?? null,
    } satisfies ImportRecord);
  }
}

export interface StagingStats extends RejectionStats {
  rowsRead: number;
}

/** Validates each record; valid ones leave as COPY text lines, rejected ones are counted and kept. */
export class RowStager extends Transform {
  readonly stats: StagingStats = { rowsRead: 0, rejected: 0, rejectedRows: [] };
  private pending = '';

  constructor(
    private readonly spec: ImportKindSpec<unknown>,
    private readonly rules: ImportRules,
  ) {
    super({ writableObjectMode: true, readableObjectMode: false });
  }

  override _transform(record: ImportRecord, _enc: BufferEncoding, cb: TransformCallback): void {
    this.stats.rowsRead++;
    // A row of the wrong shape is reported as such, not field by field.
    if (record.errors?.length) {
      this.reject(record, record.errors);
      return cb();
    }
    const result = this.spec.validate(record.fields, record.geometry, this.rules);
    if (result.errors) {
      this.reject(record, result.errors);
      return cb();
    }
    this.pending += copyLine(record.line, this.spec.toCopyValues(result.row));
    if (this.pending.length >= COPY_CHUNK_BYTES) {
      const chunk = Buffer.from(this.pending, 'utf8');
      this.pending = '';
      return cb(null, chunk);
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.stats.rowsRead === 0) return cb(new EmptyImportProblem('The file has no data rows.'));
    if (this.pending) this.push(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
    cb();
  }

  private reject(record: ImportRecord, errors: FieldError[]): void {
    countRejected(this.stats, record.line, errors, () => {
      const rawId = record.fields.parcel_id;
      return typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : '';
    });
  }
}

/**
 * Feeds the request body into `first`. The request is not part of the pipeline on purpose: a
 * pipeline destroys its source on error, and destroying a request destroys its socket, so the 4xx
 * answer could never be sent. On failure the rest of the upload is read and discarded instead.
 */
export function feedUpload(upload: Readable, first: Writable): { detach: () => void } {
  upload.pipe(first);
  const stopWatching = finished(upload, { writable: false }, (error) => {
    if (error) first.destroy(new ImportAbortedProblem());
  });
  return {
    detach: () => {
      stopWatching();
      if (!upload.readableEnded && !upload.destroyed) {
        upload.unpipe(first);
        upload.resume();
      }
    },
  };
}

/** Turns a parser error into the 400 the caller should see; anything else is returned unchanged. */
export function describeParseError(error: unknown): unknown {
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    return new MalformedImportProblem(`The CSV is malformed${line ? ` near line ${line}` : ''}: ${error.message}`);
  }
  if (typeof error === 'object' && error !== null && jsonSyntaxErrors.has(error)) {
    return new MalformedImportProblem(`The GeoJSON is not valid JSON: ${(error as Error).message}`);
  }
  return error;
}
