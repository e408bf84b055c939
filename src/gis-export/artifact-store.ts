// Export files in PostgreSQL (tables export_artifacts + export_artifact_chunks), so whichever replica gets a
// download request can serve it. An upload is one transaction on a connection of its own: the metadata row,
// then the bytes in 1 MiB bytea chunks (one INSERT in flight while the next chunk fills), hashed (SHA-256)
// and counted on the way; nothing is visible until it commits, and a failed attempt leaves nothing behind.
// Downloads read one chunk per query, so neither side ever holds more than a few chunks in memory.
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { driverClient, releaseRunner } from './gis-export.repository.js';
import type { ByteSink } from './writers/export-fields.js';

export const ARTIFACT_CHUNK_BYTES = 1 << 20;

export interface ArtifactMeta {
  jobId: string;
  countyId: string;
  exportFormat: string;
  contentType: string;
  filename: string;
}

export interface StoredArtifact extends ArtifactMeta {
  featureCount: number;
  bytes: number;
  sha256: string;
  expiresAt: Date;
}

export interface OpenedArtifact extends StoredArtifact {
  stream: Readable;
}

/** Bytes of one artifact on their way into the database. */
export class ArtifactUpload implements ByteSink {
  private buf = Buffer.allocUnsafe(ARTIFACT_CHUNK_BYTES);
  private used = 0;
  private seq = 0;
  private total = 0;
  private readonly hash: Hash = createHash('sha256');
  private inFlight: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private done = false;

  constructor(
    private readonly runner: QueryRunner,
    private readonly client: pg.ClientBase,
    private readonly meta: ArtifactMeta,
    private readonly ttlHours: number,
  ) {}

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

  /** Hands the filled buffer to an INSERT once the previous INSERT is done (at most one in flight). */
  private flush(): Promise<void> {
    const chunk = this.used === this.buf.length ? this.buf : this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(ARTIFACT_CHUNK_BYTES);
    this.used = 0;
    this.hash.update(chunk);
    this.total += chunk.length;
    const seq = this.seq++;
    const previous = this.inFlight;
    const next = previous.then(async () => {
      if (this.failure) return;
      try {
        await this.client.query('INSERT INTO export_artifact_chunks (job_id, seq, data) VALUES ($1, $2, $3)', [
          this.meta.jobId,
          seq,
          chunk,
        ]);
      } catch (error) {
        this.failure = error;
      }
    });
    this.inFlight = next;
    // The caller waits for the previous INSERT only: this one overlaps with filling the next chunk.
    return previous.then(() => this.check());
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  /** Writes the last chunk and the final metadata, commits, and returns what was stored. */
  async finish(featureCount: number): Promise<StoredArtifact> {
    if (this.used > 0) await this.flush();
    await this.inFlight;
    this.check();
    const sha256 = this.hash.digest('hex');
    const { rows } = await this.client.query<{ expires_at: Date }>(
      `UPDATE export_artifacts
          SET feature_count = $2, bytes = $3, chunk_count = $4, sha256 = $5, created_at = clock_timestamp(),
              expires_at = clock_timestamp() + make_interval(hours => $6)
        WHERE job_id = $1
        RETURNING expires_at`,
      [this.meta.jobId, featureCount, this.total, this.seq, sha256, this.ttlHours],
    );
    await this.client.query('COMMIT');
    this.done = true;
    await releaseRunner(this.runner, null);
    return { ...this.meta, featureCount, bytes: this.total, sha256, expiresAt: rows[0].expires_at };
  }

  /** Rolls everything back (idempotent; also after a failed finish). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.inFlight.catch(() => undefined);
    let failure: unknown = null;
    try {
      await this.client.query('ROLLBACK');
    } catch (error) {
      failure = error;
    }
    await releaseRunner(this.runner, failure).catch(() => undefined);
  }
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

interface ArtifactRow {
  job_id: string;
  county_id: string;
  export_format: string;
  content_type: string;
  filename: string;
  feature_count: number;
  bytes: string;
  chunk_count: number;
  sha256: string;
  expires_at: Date;
}

@Injectable()
export class ArtifactStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Starts storing the artifact of `meta.jobId`, replacing one a previous attempt of the job stored.
   * Finish or abort the upload; until it commits, nobody sees it.
   */
  async begin(meta: ArtifactMeta, ttlHours: number): Promise<ArtifactUpload> {
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
           (job_id, county_id, export_format, content_type, filename, feature_count, bytes, chunk_count, sha256,
            expires_at)
         VALUES ($1, $2, $3, $4, $5, 0, 0, 0, $6, now())`,
        [meta.jobId, meta.countyId, meta.exportFormat, meta.contentType, meta.filename, EMPTY_SHA256],
      );
    } catch (error) {
      await releaseRunner(runner, error);
      throw error;
    }
    return new ArtifactUpload(runner, client, meta, ttlHours);
  }

  /** The stored artifact (metadata), or null when there is none or it expired. */
  async find(jobId: string): Promise<(StoredArtifact & { chunkCount: number }) | null> {
    const rows: ArtifactRow[] = await this.dataSource.query(
      `SELECT job_id, county_id, export_format, content_type, filename, feature_count, bytes, chunk_count, sha256,
              expires_at
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
      featureCount: r.feature_count,
      bytes: Number(r.bytes),
      chunkCount: r.chunk_count,
      sha256: r.sha256,
      expiresAt: r.expires_at,
    };
  }

  /**
   * The artifact's bytes as a stream reading one chunk per query (a chunk ahead at most). When the
   * artifact is deleted mid-read the stream fails rather than ending short.
   */
  async open(jobId: string): Promise<OpenedArtifact | null> {
    const found = await this.find(jobId);
    if (!found) return null;
    const { chunkCount, ...artifact } = found;
    const dataSource = this.dataSource;
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0; seq < chunkCount; seq++) {
        const rows: { data: Buffer }[] = await dataSource.query(
          'SELECT data FROM export_artifact_chunks WHERE job_id = $1 AND seq = $2',
          [jobId, seq],
        );
        if (rows.length === 0) throw new Error(`export file of job ${jobId} was deleted while it was being read`);
        yield rows[0].data;
      }
    }
    return { ...artifact, stream: Readable.from(chunks(), { objectMode: false, highWaterMark: 1 }) };
  }

  /** Deletes artifacts past their expiry (their chunks go with them); returns how many. */
  async deleteExpired(): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      'WITH gone AS (DELETE FROM export_artifacts WHERE expires_at <= now() RETURNING 1) SELECT count(*)::int AS n FROM gone',
    );
    return rows[0].n;
  }

  async delete(jobId: string): Promise<boolean> {
    const rows: { n: number }[] = await this.dataSource.query(
      'WITH gone AS (DELETE FROM export_artifacts WHERE job_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM gone',
      [jobId],
    );
    return rows[0].n > 0;
  }
}
