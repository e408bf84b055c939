// SQL of the jobs table. Every write of a running attempt is fenced by (status, attempts, queue_job_id),
// so an attempt that was given up on (stale worker, time limit, cancellation) can never overwrite the
// outcome of a newer one.
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { appPool, type AppPool } from '../database/pg-client.js';
import { PGBOSS_SCHEMA } from './job-queue.js';
import type { ArtifactRef, CallbackState, JobErrorReason, JobModuleName, JobStatus } from './job.entity.js';

/** One row of `jobs` as the SQL returns it. */
export interface JobRow {
  id: string;
  module: JobModuleName;
  county_id: string;
  kind: string | null;
  parameters: Record<string, unknown>;
  status: JobStatus;
  progress: number;
  attempts: number;
  max_attempts: number;
  submitted_at: Date;
  started_at: Date | null;
  attempt_started_at: Date | null;
  heartbeat_at: Date | null;
  finished_at: Date | null;
  worker_id: string | null;
  queue_job_id: string | null;
  error_reason: JobErrorReason | null;
  error_message: string | null;
  result: Record<string, unknown> | null;
  artifact: ArtifactRef | null;
  idempotency_key: string | null;
  request_hash: string | null;
  requested_by: string;
  callback_url: string | null;
  callback_state: CallbackState | null;
  callback_attempts: number;
  cancel_requested: boolean;
  /** Lists only: submitted_at with microseconds, for the keyset cursor. */
  cursor_at?: string;
}

export interface NewJob {
  id: string;
  module: JobModuleName;
  countyId: string;
  kind: string | null;
  parameters: Record<string, unknown>;
  maxAttempts: number;
  queueJobId: string;
  idempotencyKey: string | null;
  requestHash: string | null;
  requestedBy: string;
  callbackUrl: string | null;
}

export interface ListQuery {
  module: JobModuleName;
  /** undefined = all counties; else only these. */
  counties?: string[];
  countyId?: string;
  status?: JobStatus;
  limit: number;
  after?: { submittedAt: string; id: string };
}

/** The fencing of a running attempt. */
export interface AttemptKey {
  id: string;
  attempt: number;
  queueJobId: string;
}

/** Columns without the (possibly large) result. */
const SUMMARY_COLUMNS = `id, module, county_id, kind, parameters, status, progress, attempts, max_attempts, submitted_at,
  started_at, attempt_started_at, heartbeat_at, finished_at, worker_id, queue_job_id, error_reason, error_message,
  NULL::jsonb AS result, artifact, idempotency_key, request_hash, requested_by, callback_url, callback_state,
  callback_attempts, cancel_requested`;

const GUARDED = new WeakSet<pg.PoolClient>();

const FENCE = `id = $1 AND status = 'RUNNING' AND attempts = $2 AND queue_job_id = $3`;

@Injectable()
export class JobsRepository implements OnModuleInit {
  private readonly logger = new Logger('JobsRepository');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * node-postgres emits 'error' on a checked-out client whose connection dies between queries (database
   * restarted while a job holds a transaction); with no listener that is an uncaught exception. Every
   * client of the application pool gets one: the statement in progress fails on its own, and pg-pool
   * discards the dead client when it is released.
   */
  onModuleInit(): void {
    const pool = this.pool();
    const guard = (client: pg.PoolClient) => {
      if (GUARDED.has(client)) return;
      GUARDED.add(client);
      client.on('error', (error: Error) => this.logger.warn(`Database connection lost: ${error.message}`));
    };
    for (const client of pool._clients ?? []) guard(client);
    pool.on('connect', guard);
  }

  /** The application pool (node-postgres) behind TypeORM. */
  pool(): AppPool {
    return appPool(this.dataSource)!;
  }

  /** Runs `work` in a transaction on one pooled connection. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool().connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async rows(sql: string, params: unknown[], client?: pg.ClientBase): Promise<JobRow[]> {
    const result = await (client ?? this.pool()).query<JobRow>(sql, params);
    return result.rows;
  }

  private async one(sql: string, params: unknown[], client?: pg.ClientBase): Promise<JobRow | null> {
    return (await this.rows(sql, params, client))[0] ?? null;
  }

  /**
   * Inserts the job; with an idempotency key that this caller already used for this module, inserts
   * nothing and returns the existing job instead (a concurrent twin waits for the first to commit).
   */
  async insertOrFind(client: pg.ClientBase, job: NewJob): Promise<{ row: JobRow; created: boolean }> {
    const inserted = await this.one(
      `INSERT INTO jobs (id, module, county_id, kind, parameters, max_attempts, queue_job_id, idempotency_key,
         request_hash, requested_by, callback_url, callback_state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $11::text IS NULL THEN NULL ELSE 'pending' END)
       ON CONFLICT ON CONSTRAINT uq_jobs_idempotency DO NOTHING
       RETURNING *`,
      [
        job.id,
        job.module,
        job.countyId,
        job.kind,
        JSON.stringify(job.parameters),
        job.maxAttempts,
        job.queueJobId,
        job.idempotencyKey,
        job.requestHash,
        job.requestedBy,
        job.callbackUrl,
      ],
      client,
    );
    if (inserted) return { row: inserted, created: true };
    const existing = await this.one(
      `SELECT * FROM jobs WHERE requested_by = $1 AND module = $2 AND idempotency_key = $3`,
      [job.requestedBy, job.module, job.idempotencyKey],
      client,
    );
    if (!existing) throw new Error('idempotency conflict without an existing job');
    return { row: existing, created: false };
  }

  async find(id: string, withResult = false): Promise<JobRow | null> {
    return this.one(`SELECT ${withResult ? '*' : SUMMARY_COLUMNS} FROM jobs WHERE id = $1`, [id]);
  }

  /** Newest first; keyset pagination on (submitted_at, id). */
  async list(q: ListQuery): Promise<JobRow[]> {
    const params: unknown[] = [q.module, q.counties ?? null, q.countyId ?? null, q.status ?? null, q.limit];
    let keyset = '';
    if (q.after) {
      params.push(q.after.submittedAt, q.after.id);
      keyset = `AND (submitted_at, id) < ($6::timestamptz, $7::uuid)`;
    }
    return this.rows(
      `SELECT ${SUMMARY_COLUMNS},
         to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
       FROM jobs
       WHERE module = $1
         AND ($2::text[] IS NULL OR county_id = ANY($2))
         AND ($3::text IS NULL OR county_id = $3)
         AND ($4::text IS NULL OR status = $4)
         ${keyset}
       ORDER BY submitted_at DESC, id DESC
       LIMIT $5`,
      params,
    );
  }

  // --- attempts -------------------------------------------------------------------------------

  /**
   * Claims the job for a new attempt when `queueJobId` is still its current queue entry and it is not
   * finished. Returns null when the queue entry is stale or the job is already done/cancelled.
   */
  async startAttempt(id: string, queueJobId: string, workerId: string): Promise<JobRow | null> {
    return this.one(
      `UPDATE jobs SET status = 'RUNNING', attempts = attempts + 1, progress = 0,
         started_at = COALESCE(started_at, clock_timestamp()), attempt_started_at = clock_timestamp(),
         heartbeat_at = clock_timestamp(), worker_id = $3
       WHERE id = $1 AND queue_job_id = $2 AND status IN ('PENDING', 'RUNNING')
       RETURNING ${SUMMARY_COLUMNS}`,
      [id, queueJobId, workerId],
    );
  }

  /** Heartbeat and/or progress of a running attempt; null when the attempt is no longer current. */
  async touch(key: AttemptKey, progress?: number): Promise<{ cancel_requested: boolean } | null> {
    const result = await this.pool().query<{ cancel_requested: boolean }>(
      `UPDATE jobs SET heartbeat_at = clock_timestamp(), progress = COALESCE($4, progress)
       WHERE ${FENCE}
       RETURNING cancel_requested`,
      [key.id, key.attempt, key.queueJobId, progress ?? null],
    );
    return result.rows[0] ?? null;
  }

  async complete(key: AttemptKey, result: unknown, artifact: ArtifactRef | null): Promise<JobRow | null> {
    return this.one(
      `UPDATE jobs SET status = 'COMPLETED', progress = 1, finished_at = clock_timestamp(), result = $4,
         artifact = $5, error_reason = NULL, error_message = NULL
       WHERE ${FENCE}
       RETURNING ${SUMMARY_COLUMNS}`,
      [key.id, key.attempt, key.queueJobId, JSON.stringify(result ?? null), artifact ? JSON.stringify(artifact) : null],
    );
  }

  async fail(key: AttemptKey, reason: JobErrorReason, message: string): Promise<JobRow | null> {
    return this.one(
      `UPDATE jobs SET status = 'FAILED', finished_at = clock_timestamp(), error_reason = $4, error_message = $5
       WHERE ${FENCE}
       RETURNING ${SUMMARY_COLUMNS}`,
      [key.id, key.attempt, key.queueJobId, reason, message],
    );
  }

  async cancelAttempt(key: AttemptKey): Promise<JobRow | null> {
    return this.one(
      `UPDATE jobs SET status = 'CANCELLED', finished_at = clock_timestamp()
       WHERE ${FENCE}
       RETURNING ${SUMMARY_COLUMNS}`,
      [key.id, key.attempt, key.queueJobId],
    );
  }

  /**
   * Puts a running attempt back to PENDING under a new queue entry (sent by `enqueue` in the same
   * transaction). `countAttempt` false gives the attempt back (a shutdown is not the job's fault).
   */
  async requeue(
    key: AttemptKey,
    newQueueJobId: string,
    countAttempt: boolean,
    message: string | null,
    enqueue: (client: pg.PoolClient) => Promise<void>,
  ): Promise<JobRow | null> {
    return this.transaction(async (client) => {
      const row = await this.one(
        `UPDATE jobs SET status = 'PENDING', queue_job_id = $4, worker_id = NULL, heartbeat_at = NULL,
           attempt_started_at = NULL, attempts = attempts - CASE WHEN $5 THEN 0 ELSE 1 END,
           error_message = COALESCE($6, error_message)
         WHERE ${FENCE}
         RETURNING ${SUMMARY_COLUMNS}`,
        [key.id, key.attempt, key.queueJobId, newQueueJobId, countAttempt, message],
        client,
      );
      if (row) await enqueue(client);
      return row;
    });
  }

  /** RUNNING jobs whose worker has not been heard of for `staleMs` (locked for this sweep). */
  async staleRunning(client: pg.ClientBase, staleMs: number, limit = 100): Promise<JobRow[]> {
    return this.rows(
      `SELECT ${SUMMARY_COLUMNS} FROM jobs
       WHERE status = 'RUNNING' AND heartbeat_at < clock_timestamp() - ($1::double precision * interval '1 millisecond')
       ORDER BY heartbeat_at
       LIMIT $2
       FOR UPDATE SKIP LOCKED`,
      [staleMs, limit],
      client,
    );
  }

  async requeueStale(client: pg.ClientBase, id: string, attempt: number, newQueueJobId: string): Promise<boolean> {
    const result = await client.query(
      `UPDATE jobs SET status = 'PENDING', queue_job_id = $3, worker_id = NULL, heartbeat_at = NULL,
         attempt_started_at = NULL, error_message = 'The worker running the previous attempt stopped responding.'
       WHERE id = $1 AND status = 'RUNNING' AND attempts = $2`,
      [id, attempt, newQueueJobId],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** PENDING jobs without a live (created, retry or active) pg-boss entry. */
  async orphanedPending(
    client: pg.ClientBase,
    limit = 100,
  ): Promise<Array<{ id: string; module: JobModuleName; queue_job_id: string | null }>> {
    const result = await client.query<{ id: string; module: JobModuleName; queue_job_id: string | null }>(
      `SELECT j.id, j.module, j.queue_job_id FROM jobs j
       WHERE j.status = 'PENDING'
         AND NOT EXISTS (
           SELECT 1 FROM ${PGBOSS_SCHEMA}.job q
           WHERE q.name = 'tf-' || j.module AND q.id = j.queue_job_id AND q.state < 'completed')
       LIMIT $1
       FOR UPDATE OF j SKIP LOCKED`,
      [limit],
    );
    return result.rows;
  }

  async reissue(client: pg.ClientBase, id: string, oldEntry: string | null, newEntry: string): Promise<void> {
    await client.query(
      `UPDATE jobs SET queue_job_id = $3 WHERE id = $1 AND status = 'PENDING' AND queue_job_id IS NOT DISTINCT FROM $2`,
      [id, oldEntry, newEntry],
    );
  }

  async failStale(client: pg.ClientBase, id: string, attempt: number, message: string): Promise<JobRow | null> {
    return this.one(
      `UPDATE jobs SET status = 'FAILED', finished_at = clock_timestamp(), error_reason = 'internal_error',
         error_message = $3
       WHERE id = $1 AND status = 'RUNNING' AND attempts = $2
       RETURNING ${SUMMARY_COLUMNS}`,
      [id, attempt, message],
      client,
    );
  }

  // --- cancellation ---------------------------------------------------------------------------

  /** PENDING → CANCELLED at once; RUNNING → cancel_requested (the worker stops at its next progress step). */
  async requestCancel(id: string): Promise<JobRow | null> {
    return this.one(
      `UPDATE jobs SET
         status = CASE WHEN status = 'PENDING' THEN 'CANCELLED' ELSE status END,
         finished_at = CASE WHEN status = 'PENDING' THEN clock_timestamp() ELSE finished_at END,
         cancel_requested = true
       WHERE id = $1 AND status IN ('PENDING', 'RUNNING')
       RETURNING ${SUMMARY_COLUMNS}`,
      [id],
    );
  }

  // --- gauges and callbacks -------------------------------------------------------------------

  async unfinishedCounts(): Promise<Array<{ module: JobModuleName; status: JobStatus; n: number }>> {
    const result = await this.pool().query<{ module: JobModuleName; status: JobStatus; n: number }>(
      `SELECT module, status, count(*)::int AS n FROM jobs WHERE status IN ('PENDING', 'RUNNING') GROUP BY 1, 2`,
    );
    return result.rows;
  }

  /**
   * Per module: jobs waiting, running, and failed for good within the last hour (/health/detailed). The
   * unfinished ones come from the partial index; the failed ones from a scan of the jobs table, which is
   * only read on that route.
   */
  async queueCounts(): Promise<
    Array<{ module: JobModuleName; queued: number; active: number; failed_last_hour: number }>
  > {
    const result = await this.pool().query<{
      module: JobModuleName;
      queued: number;
      active: number;
      failed_last_hour: number;
    }>(
      `SELECT module,
              count(*) FILTER (WHERE status = 'PENDING')::int AS queued,
              count(*) FILTER (WHERE status = 'RUNNING')::int AS active,
              count(*) FILTER (WHERE status = 'FAILED')::int AS failed_last_hour
         FROM jobs
        WHERE status IN ('PENDING', 'RUNNING') OR (status = 'FAILED' AND finished_at > now() - interval '1 hour')
        GROUP BY module`,
    );
    return result.rows;
  }

  async setCallbackState(id: string, state: CallbackState, attempts: number): Promise<void> {
    await this.pool().query(`UPDATE jobs SET callback_state = $2, callback_attempts = $3 WHERE id = $1`, [
      id,
      state,
      attempts,
    ]);
  }
}
