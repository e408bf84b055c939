import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The job platform's own table (pg-boss keeps its queue in the `pgboss` schema it manages itself). */
export class Jobs1764100000000 implements MigrationInterface {
  name = 'Jobs1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jobs (
        id uuid PRIMARY KEY,
        module text NOT NULL CHECK (module IN ('valuation','reporting','market-analysis','gis-export')),
        county_id text NOT NULL REFERENCES counties(id) ON DELETE CASCADE,
        kind text,
        parameters jsonb NOT NULL,
        status text NOT NULL DEFAULT 'PENDING'
          CHECK (status IN ('PENDING','RUNNING','COMPLETED','FAILED','CANCELLED')),
        progress real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        max_attempts integer NOT NULL CHECK (max_attempts >= 1),
        submitted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        started_at timestamptz,
        attempt_started_at timestamptz,
        heartbeat_at timestamptz,
        finished_at timestamptz,
        worker_id text,
        queue_job_id uuid,
        error_reason text CHECK (error_reason IN ('invalid_input','insufficient_data','timeout','internal_error')),
        error_message text,
        result jsonb,
        artifact jsonb,
        idempotency_key text,
        request_hash text,
        requested_by text NOT NULL,
        callback_url text,
        callback_state text CHECK (callback_state IN ('pending','delivered','failed','refused')),
        callback_attempts integer NOT NULL DEFAULT 0,
        cancel_requested boolean NOT NULL DEFAULT false,
        CONSTRAINT uq_jobs_idempotency UNIQUE (requested_by, module, idempotency_key),
        CONSTRAINT ck_jobs_idempotency_hash CHECK ((idempotency_key IS NULL) = (request_hash IS NULL))
      )`);
    // Lists: newest first per module, optionally per county (keyset on submitted_at, id).
    await q.query(`CREATE INDEX ix_jobs_module_submitted ON jobs (module, submitted_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX ix_jobs_module_county_submitted ON jobs (module, county_id, submitted_at DESC, id DESC)`,
    );
    // Queue gauges and the stale-worker sweep look only at unfinished jobs.
    await q.query(`CREATE INDEX ix_jobs_unfinished ON jobs (status, module) WHERE status IN ('PENDING','RUNNING')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE jobs`);
  }
}
