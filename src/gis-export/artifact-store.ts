// Export files in PostgreSQL (tables export_artifacts + export_artifact_chunks), so whichever replica gets a
// download request can serve it. An upload is one transaction on a connection of its own: the metadata row,
// then the bytes in 1 MiB bytea chunks (one INSERT in flight while the next chunk fills), hashed (SHA-256)
// and counted on the way; nothing is visible until it commits, and a failed attempt leaves nothing behind.
// Downloads read one chunk per query, so neither side ever holds more than a few chunks in memory.
//
// Text formats (GeoJSON, CSV, KML) are stored gzip-compressed (`content_encoding = 'gzip'`): the file is
// written once and WAL volume is what bounds the upload, and zlib runs on libuv's threadpool, beside the
// thread that renders the rows. `bytes` and `sha256` are always those of the uncompressed file (what the
// result reports and a client ends up with); `stored_bytes` is the size of the stored (gzip) bytes. A
// download sends the gzip bytes as they are (Content-Encoding: gzip) when the client accepts gzip, and
// decompresses on the fly otherwise. Zipped shapefiles are stored as they are.
import { createHash, type Hash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type pg from 'pg';
import type { Histogram } from 'prom-client';
import type { DataSource, QueryRunner } from 'typeorm';
import { driverClient, releaseRunner } from '../database/pg-client.js';
import { ARTIFACT_OPERATION_DURATION, type ArtifactOperation } from '../observability/metric-names.js';
import type { ByteSink } from './writers/export-fields.js';

export const ARTIFACT_CHUNK_BYTES = 1 << 20;
/** Uncompressed bytes handed to zlib at a time (at most two such writes queued in zlib). */
const GZIP_INPUT_BYTES = 1 << 20;
/**
 * zlib level of stored text formats: 1 compresses GeoJSON about 5–6× at several hundred MB/s of one
 * threadpool thread; higher levels gain little on this kind of text and cost much more time.
 */
export const ARTIFACT_GZIP_LEVEL = 1;

export type ContentEncoding = 'identity' | 'gzip';

export interface ArtifactMeta {
  jobId: string;
  countyId: string;
  exportFormat: string;
  contentType: string;
  filename: string;
  /** How to store the bytes: 'gzip' for text formats, 'identity' for already-compressed ones (zip). */
  contentEncoding: ContentEncoding;
}

export interface StoredArtifact extends ArtifactMeta {
  featureCount: number;
  /** Size of the file uncompressed (what a client downloads after decoding). */
  bytes: number;
  /** Size of the stored bytes (after gzip when content_encoding is 'gzip'). */
  storedBytes: number;
  /** SHA-256 of the uncompressed file. */
  sha256: string;
  expiresAt: Date;
}

export interface OpenedArtifact extends StoredArtifact {
  /** The stored bytes (gzip-coded when contentEncoding is 'gzip'), storedBytes long. */
  stream: Readable;
}

/** Bytes of one artifact on their way into the database. */
export class ArtifactUpload implements ByteSink {
  /** Input not yet hashed nor handed on. */
  private buf: Buffer;
  private used = 0;
  /** Uncompressed bytes hashed and handed on. */
  private total = 0;
  private readonly hash: Hash = createHash('sha256');
  /** Stored (compressed) bytes filling the next chunk, gzip only. */
  private out: Buffer = Buffer.alloc(0);
  private outUsed = 0;
  private stored = 0;
  private seq = 0;
  /** The chain of chunk INSERTs, and the chain up to the one before the last (what writers wait for). */
  private inserts: Promise<void> = Promise.resolve();
  private insertsButLast: Promise<void> = Promise.resolve();
  private readonly gzip: Gzip | null;
  private gzipWrite: Promise<void> = Promise.resolve();
  private readonly gzipEnded: Promise<void>;
  private failure: unknown = null;
  private done = false;

  constructor(
    private readonly runner: QueryRunner,
    private readonly client: pg.ClientBase,
    private readonly meta: ArtifactMeta,
    private readonly ttlHours: number,
    /** Called once the upload committed (the write's duration ends there). */
    private readonly onCommitted: () => void = () => undefined,
  ) {
    if (meta.contentEncoding === 'gzip') {
      this.buf = Buffer.allocUnsafe(GZIP_INPUT_BYTES);
      this.out = Buffer.allocUnsafe(ARTIFACT_CHUNK_BYTES);
      const gzip = createGzip({ level: ARTIFACT_GZIP_LEVEL, chunkSize: 256 << 10 });
      this.gzip = gzip;
      gzip.on('data', (data: Buffer) => this.compressed(data));
      this.gzipEnded = new Promise((resolve) => {
        gzip.once('end', resolve);
        gzip.once('error', (error) => {
          this.failure ??= error;
          resolve();
        });
      });
    } else {
      this.buf = Buffer.allocUnsafe(ARTIFACT_CHUNK_BYTES);
      this.gzip = null;
      this.gzipEnded = Promise.resolve();
    }
  }

  get bytesWritten(): number {
    return this.total + this.used;
  }

  text(s: string): Promise<void> | undefined {
    // Fast path: the text surely fits (≤ 3 bytes per UTF-16 unit).
    if (s.length * 3 <= this.buf.length - this.used) {
      this.used += this.buf.write(s, this.used, 'utf8');
      return this.used === this.buf.length ? this.flush() : undefined;
    }
    return this.bytes(Buffer.from(s, 'utf8'));
  }

  bytes(b: Buffer): Promise<void> | undefined {
    let offset = 0;
    let waits: Promise<void> | undefined;
    while (offset < b.length) {
      const n = Math.min(b.length - offset, this.buf.length - this.used);
      b.copy(this.buf, this.used, offset, offset + n);
      this.used += n;
      offset += n;
      if (this.used === this.buf.length) {
        const flushed = this.flush();
        waits = waits ? waits.then(() => flushed) : flushed;
      }
    }
    return waits;
  }

  /**
   * Hashes the filled input buffer and hands it on: straight to an INSERT (identity) or to zlib. The
   * returned promise keeps memory bounded: it waits for the previous zlib write and for every INSERT but
   * the last, so one INSERT and one compression overlap with rendering the next rows.
   */
  private flush(): Promise<void> {
    const chunk = this.used === this.buf.length ? this.buf : this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.used = 0;
    this.hash.update(chunk);
    this.total += chunk.length;
    if (this.gzip === null) {
      this.insert(chunk);
      return this.insertsButLast.then(() => this.check());
    }
    const gzip = this.gzip;
    const previous = this.gzipWrite;
    this.gzipWrite = new Promise((resolve) => {
      gzip.write(chunk, () => resolve());
    });
    return previous.then(() => this.insertsButLast).then(() => this.check());
  }

  /** Compressed output of zlib: fills stored chunks, each full one goes to an INSERT. */
  private compressed(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      const n = Math.min(data.length - offset, this.out.length - this.outUsed);
      data.copy(this.out, this.outUsed, offset, offset + n);
      this.outUsed += n;
      offset += n;
      if (this.outUsed === this.out.length) this.flushCompressed();
    }
  }

  private flushCompressed(): void {
    if (this.outUsed === 0) return;
    const chunk = this.outUsed === this.out.length ? this.out : this.out.subarray(0, this.outUsed);
    this.out = Buffer.allocUnsafe(ARTIFACT_CHUNK_BYTES);
    this.outUsed = 0;
    this.insert(chunk);
  }

  /** Queues the INSERT of the next stored chunk after the previous one (one in flight at a time). */
  private insert(chunk: Buffer): void {
    this.stored += chunk.length;
    const seq = this.seq++;
    const previous = this.inserts;
    this.insertsButLast = previous;
    this.inserts = previous.then(async () => {
      if (this.failure) return;
      try {
        await this.client.query('INSERT INTO export_artifact_chunks (job_id, seq, data) VALUES ($1, $2, $3)', [
          this.meta.jobId,
          seq,
          chunk,
        ]);
      } catch (error) {
        this.failure ??= error;
      }
    });
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  /** Writes the last chunk and the final metadata, commits, and returns what was stored. */
  async finish(featureCount: number): Promise<StoredArtifact> {
    if (this.used > 0) await this.flush();
    if (this.gzip) {
      this.gzip.end();
      await this.gzipEnded;
      this.check();
      this.flushCompressed();
    }
    await this.inserts;
    this.check();
    const sha256 = this.hash.digest('hex');
    const { rows } = await this.client.query<{ expires_at: Date }>(
      `UPDATE export_artifacts
          SET feature_count = $2, bytes = $3, stored_bytes = $4, chunk_count = $5, sha256 = $6,
              created_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(hours => $7)
        WHERE job_id = $1
        RETURNING expires_at`,
      [this.meta.jobId, featureCount, this.total, this.stored, this.seq, sha256, this.ttlHours],
    );
    await this.client.query('COMMIT');
    this.done = true;
    this.onCommitted();
    await releaseRunner(this.runner, null);
    return {
      ...this.meta,
      featureCount,
      bytes: this.total,
      storedBytes: this.stored,
      sha256,
      expiresAt: rows[0].expires_at,
    };
  }

  /** Rolls everything back (idempotent; also after a failed finish). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.failure ??= new Error('upload aborted');
    this.gzip?.destroy();
    await this.inserts.catch(() => undefined);
    let failure: unknown = null;
    try {
      await this.client.query('ROLLBACK');
    } catch (error) {
      failure = error;
    }
    await releaseRunner(this.runner, failure).catch(() => undefined);
  }
}

/**
 * Whether an Accept-Encoding header value allows gzip (RFC 9110 §12.5.3): `gzip`, `x-gzip` or `*` with a
 * non-zero q-value, unless gzip itself is listed with q=0. No header: no (identity is always acceptable).
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  let gzip: number | null = null;
  let star: number | null = null;
  for (const part of value.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName.trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((x) => x.trim());
      if (k.toLowerCase() === 'q') {
        const n = Number(v);
        q = v !== undefined && v !== '' && Number.isFinite(n) ? n : 0;
      }
    }
    if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (name === '*') star = q;
  }
  if (gzip !== null) return gzip > 0;
  return star !== null && star > 0;
}

/** The uncompressed bytes of a stored stream (gunzipped on the fly when it is gzip-coded). */
export function decodedStream(artifact: OpenedArtifact): Readable {
  if (artifact.contentEncoding !== 'gzip') return artifact.stream;
  const gunzip = createGunzip();
  // A failing source (file deleted mid-read) fails the decoded stream too.
  return pipeline(artifact.stream, gunzip, () => undefined);
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

interface ArtifactRow {
  job_id: string;
  county_id: string;
  export_format: string;
  content_type: string;
  filename: string;
  content_encoding: ContentEncoding;
  feature_count: number;
  bytes: string;
  stored_bytes: string;
  chunk_count: number;
  sha256: string;
  expires_at: Date;
}

@Injectable()
export class ArtifactStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectMetric(ARTIFACT_OPERATION_DURATION.name) private readonly durations: Histogram<string>,
  ) {}

  /** artifact_operation_duration_seconds{operation} from `started` (performance.now()) to now. */
  private observe(operation: ArtifactOperation, started: number): void {
    this.durations.observe({ operation }, (performance.now() - started) / 1000);
  }

  /**
   * Starts storing the artifact of `meta.jobId`, replacing one a previous attempt of the job stored.
   * Finish or abort the upload; until it commits, nobody sees it.
   */
  async begin(meta: ArtifactMeta, ttlHours: number): Promise<ArtifactUpload> {
    const started = performance.now();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const client = driverClient(runner);
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL statement_timeout = 0');
      // Megabytes of WAL need not be flushed before this commit returns: the job's completion, committed
      // synchronously right after, flushes the WAL up to and past it; a crash in between leaves the job
      // unfinished, and its retry writes the file again.
      await client.query('SET LOCAL synchronous_commit = off');
      await client.query('DELETE FROM export_artifacts WHERE job_id = $1', [meta.jobId]);
      await client.query(
        `INSERT INTO export_artifacts
           (job_id, county_id, export_format, content_type, filename, content_encoding, feature_count, bytes,
            stored_bytes, chunk_count, sha256, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, 0, $7, now())`,
        [
          meta.jobId,
          meta.countyId,
          meta.exportFormat,
          meta.contentType,
          meta.filename,
          meta.contentEncoding,
          EMPTY_SHA256,
        ],
      );
    } catch (error) {
      await releaseRunner(runner, error);
      throw error;
    }
    return new ArtifactUpload(runner, client, meta, ttlHours, () => this.observe('write', started));
  }

  /** The stored artifact (metadata), or null when there is none or it expired. */
  async find(jobId: string): Promise<(StoredArtifact & { chunkCount: number }) | null> {
    const rows: ArtifactRow[] = await this.dataSource.query(
      `SELECT job_id, county_id, export_format, content_type, filename, content_encoding, feature_count, bytes,
              stored_bytes, chunk_count, sha256, expires_at
         FROM export_artifacts WHERE job_id = $1 AND expires_at > now()`,
      [jobId],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    return {
      jobId: r.job_id,
      countyId: r.county_id,
      exportFormat: r.export_format,
      contentType: r.content_type,
      filename: r.filename,
      contentEncoding: r.content_encoding,
      featureCount: r.feature_count,
      bytes: Number(r.bytes),
      storedBytes: Number(r.stored_bytes),
      chunkCount: r.chunk_count,
      sha256: r.sha256,
      expiresAt: r.expires_at,
    };
  }

  /**
   * The artifact's stored bytes (gzip-coded when contentEncoding is 'gzip'; see decodedStream) as a stream
   * reading one chunk per query (a chunk ahead at most). When the artifact is deleted mid-read the stream
   * fails rather than ending short.
   */
  async open(jobId: string): Promise<OpenedArtifact | null> {
    const started = performance.now();
    const found = await this.find(jobId);
    if (!found) return null;
    const { chunkCount, ...artifact } = found;
    const dataSource = this.dataSource;
    const readAll = () => this.observe('read', started);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0; seq < chunkCount; seq++) {
        const rows: { data: Buffer }[] = await dataSource.query(
          'SELECT data FROM export_artifact_chunks WHERE job_id = $1 AND seq = $2',
          [jobId, seq],
        );
        if (rows.length === 0) throw new Error(`export file of job ${jobId} was deleted while it was being read`);
        yield rows[0].data;
      }
      // A read is timed when its last chunk was read (a download the client dropped halfway is not).
      readAll();
    }
    return { ...artifact, stream: Readable.from(chunks(), { objectMode: false, highWaterMark: 1 }) };
  }

  /** Deletes artifacts past their expiry (their chunks go with them); returns how many. */
  async deleteExpired(): Promise<number> {
    const started = performance.now();
    const rows: { n: number }[] = await this.dataSource.query(
      'WITH gone AS (DELETE FROM export_artifacts WHERE expires_at <= now() RETURNING 1) SELECT count(*)::int AS n FROM gone',
    );
    if (rows[0].n > 0) this.observe('delete', started);
    return rows[0].n;
  }

  async delete(jobId: string): Promise<boolean> {
    const started = performance.now();
    const rows: { n: number }[] = await this.dataSource.query(
      'WITH gone AS (DELETE FROM export_artifacts WHERE job_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM gone',
      [jobId],
    );
    this.observe('delete', started);
    return rows[0].n > 0;
  }
}
