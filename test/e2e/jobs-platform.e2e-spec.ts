// Platform behaviour with test processors (mounted only in this suite, in place of the reporting and
// market-analysis engines): transient retries, permanent failures, cancellation of a running job, time limits, recovery of
// jobs whose worker died, orphaned queue entries and graceful shutdown.
import { randomUUID } from 'node:crypto';
import { Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { PermanentJobError } from '../../src/jobs/job-errors.js';
import { JobPlatform } from '../../src/jobs/job-platform.js';
import type { JobContext, JobProcessor } from '../../src/jobs/job-processor.js';
import type { JobModuleName } from '../../src/jobs/job.entity.js';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { useTestProcessor, waitForJob } from '../support/jobs.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const admin = authHeader({ role: 'admin', sub: 'admin-1', counties: ['*'] });
const caller = { sub: 'test-runner', counties: '*' as const };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Behaviour = 'ok' | 'transient_once' | 'always_transient' | 'permanent' | 'bug' | 'slow' | 'hang';

class TestProcessor implements JobProcessor<{ behaviour: Behaviour }, unknown> {
  readonly seen: Array<{ jobId: string; attempt: number }> = [];
  constructor(readonly module: JobModuleName) {}

  async process(params: { behaviour: Behaviour }, ctx: JobContext): Promise<unknown> {
    this.seen.push({ jobId: ctx.jobId, attempt: ctx.attempt });
    switch (params.behaviour) {
      case 'ok':
        await ctx.progress(0.5);
        return { value: 42, attempt: ctx.attempt };
      case 'transient_once':
        if (ctx.attempt === 1)
          throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
        return { recovered: true, attempt: ctx.attempt };
      case 'always_transient':
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      case 'permanent':
        throw new PermanentJobError('insufficient_data', 'Only 3 valid sales; at least 30 are needed.');
      case 'bug':
        throw new TypeError("Cannot read properties of undefined (reading 'secret_internal')");
      case 'slow':
        for (let i = 1; i <= 400; i++) {
          await sleep(10);
          await ctx.progress(i / 400);
        }
        return { slow: true };
      case 'hang':
        await new Promise(() => undefined); // never settles, never reports progress
        return null;
    }
  }
}

const reportingProcessor = new TestProcessor('reporting');
const marketProcessor = new TestProcessor('market-analysis');

@Injectable()
class RegisterTestProcessors implements OnApplicationBootstrap {
  constructor(private readonly platform: JobPlatform) {}
  onApplicationBootstrap(): void {
    useTestProcessor(this.platform, reportingProcessor);
    useTestProcessor(this.platform, marketProcessor);
  }
}

@Module({ providers: [RegisterTestProcessors] })
class TestProcessorsModule {}

async function submit(t: TestApp, behaviour: Behaviour, module: JobModuleName = 'reporting'): Promise<string> {
  const { row, created } = await t.app
    .get(JobsService)
    .submit(
      module,
      { countyId: 'tiny', kind: module === 'reporting' ? 'ratio_study' : 'price_trend', parameters: { behaviour } },
      caller,
    );
  expect(created).toBe(true);
  return row.id;
}

const waitFor = (t: TestApp, id: string, statuses: string[], module = 'reporting', timeoutMs = 20_000) =>
  waitForJob(t, module, id, admin, { statuses, timeoutMs, intervalMs: 50 });

describe('job platform', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      {
        JOBS_POLL_INTERVAL_MS: '500',
        JOBS_RETRY_DELAY_S: '1',
        JOBS_RETRY_LIMIT: '2',
        JOBS_HEARTBEAT_MS: '200',
        JOBS_STALE_AFTER_MS: '1000',
        JOBS_TIME_LIMITS: 'market-analysis=1',
        JOBS_CONCURRENCY: '3',
        RATE_LIMIT_ENABLED: 'false',
      },
      { imports: [TestProcessorsModule] },
    );
    await loadDemoCounty(t.db, { countyId: 'tiny', parcels: 20, seed: 1 });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('a transient failure (database connection lost) is retried with backoff and then completes', async () => {
    const id = await submit(t, 'transient_once');
    const doc = await waitFor(t, id, ['COMPLETED', 'FAILED']);
    expect(doc).toMatchObject({ status: 'COMPLETED', attempts: 2, max_attempts: 3, error: null, progress: 1 });
    const results = await t.request('GET', `/api/v1/reporting/results/${id}`, { headers: admin });
    expect(results.status).toBe(200);
    expect(results.json()).toMatchObject({ job_id: id, status: 'COMPLETED', recovered: true, attempt: 2 });
    expect(reportingProcessor.seen.filter((s) => s.jobId === id).map((s) => s.attempt)).toEqual([1, 2]);
  });

  it('transient failures stop after JOBS_RETRY_LIMIT retries: FAILED, internal_error', async () => {
    const id = await submit(t, 'always_transient');
    const doc = await waitFor(t, id, ['COMPLETED', 'FAILED']);
    expect(doc.status).toBe('FAILED');
    expect(doc.attempts).toBe(3);
    expect(doc.error.reason).toBe('internal_error');
    expect(doc.error.message).toMatch(/^Gave up after 3 attempts/);
  });

  it('a permanent failure is not retried and keeps its reason and message', async () => {
    const id = await submit(t, 'permanent');
    const doc = await waitFor(t, id, ['COMPLETED', 'FAILED']);
    expect(doc).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: { reason: 'insufficient_data', message: 'Only 3 valid sales; at least 30 are needed.' },
    });
    const results = await t.request('GET', `/api/v1/reporting/results/${id}`, { headers: admin });
    expect(results.status).toBe(409);
    expect(results.json().job_status).toBe('FAILED');
  });

  it('an unexpected error fails the job as internal_error without leaking its message', async () => {
    const id = await submit(t, 'bug');
    const doc = await waitFor(t, id, ['COMPLETED', 'FAILED']);
    expect(doc.attempts).toBe(1);
    expect(doc.error).toEqual({
      reason: 'internal_error',
      message: 'The job failed because of an internal error; the service logs have the details.',
    });
  });

  it('cancelling a RUNNING job → 202, and it stops at its next progress step as CANCELLED', async () => {
    const id = await submit(t, 'slow');
    await waitFor(t, id, ['RUNNING']);
    await sleep(200);
    const res = await t.request('POST', `/api/v1/reporting/jobs/${id}/cancel`, { headers: admin });
    expect(res.status).toBe(202);
    expect(res.json()).toMatchObject({ status: 'RUNNING', cancel_requested: true });
    const doc = await waitFor(t, id, ['CANCELLED', 'COMPLETED', 'FAILED'], 'reporting', 5000);
    expect(doc.status).toBe('CANCELLED');
    expect(doc.progress).toBeLessThan(1);
    expect(doc.error).toBeNull();
  });

  it('a job past its module time limit fails as timeout even without progress steps', async () => {
    const started = Date.now();
    const id = await submit(t, 'hang', 'market-analysis');
    const doc = await waitFor(t, id, ['FAILED', 'COMPLETED'], 'market-analysis');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(doc).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      error: { reason: 'timeout', message: 'The job did not finish within its time limit of 1 s.' },
    });
  });

  it('a RUNNING job whose worker died (no heartbeat) is requeued and completes with one more attempt', async () => {
    const id = randomUUID();
    // What a worker killed with -9 leaves behind: RUNNING, attempt 1, heartbeat going stale, its queue
    // entry active forever.
    await t.db.query(
      `INSERT INTO jobs (id, module, county_id, kind, parameters, status, attempts, max_attempts, started_at,
         attempt_started_at, heartbeat_at, worker_id, queue_job_id, requested_by, progress)
       VALUES ($1, 'reporting', 'tiny', 'ratio_study', '{"behaviour":"ok"}', 'RUNNING', 1, 3, now() - interval '1 minute',
         now() - interval '1 minute', now() - interval '30 seconds', 'dead-host:1', $2, 'test-runner', 0.3)`,
      [id, randomUUID()],
    );
    const doc = await waitFor(t, id, ['COMPLETED', 'FAILED']);
    expect(doc).toMatchObject({ status: 'COMPLETED', attempts: 2 });
    expect(reportingProcessor.seen.filter((s) => s.jobId === id).map((s) => s.attempt)).toEqual([2]);
  });

  it('a dead worker’s job with no attempts left is FAILED, never left RUNNING', async () => {
    const id = randomUUID();
    await t.db.query(
      `INSERT INTO jobs (id, module, county_id, kind, parameters, status, attempts, max_attempts, started_at,
         heartbeat_at, queue_job_id, requested_by)
       VALUES ($1, 'reporting', 'tiny', 'ratio_study', '{"behaviour":"ok"}', 'RUNNING', 3, 3, now(),
         now() - interval '30 seconds', $2, 'test-runner')`,
      [id, randomUUID()],
    );
    const doc = await waitFor(t, id, ['COMPLETED', 'FAILED']);
    expect(doc).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      error: {
        reason: 'internal_error',
        message: 'The worker stopped responding during attempt 3 of 3; no attempts left.',
      },
    });
  });

  it('a PENDING job whose queue entry is gone gets a new one and runs', async () => {
    const id = randomUUID();
    await t.db.query(
      `INSERT INTO jobs (id, module, county_id, kind, parameters, max_attempts, queue_job_id, requested_by)
       VALUES ($1, 'reporting', 'tiny', 'ratio_study', '{"behaviour":"ok"}', 3, $2, 'test-runner')`,
      [id, randomUUID()],
    );
    const doc = await waitFor(t, id, ['COMPLETED', 'FAILED']);
    expect(doc).toMatchObject({ status: 'COMPLETED', attempts: 1 });
  });

  it('records completions and failures by reason (cancellation is not a failure)', async () => {
    const text = (await t.request('GET', '/metrics')).text;
    expect(text).toMatch(/^report_jobs_completed_total\{county_id="tiny",report_type="ratio_study"\} 3$/m);
    expect(text).toMatch(
      /^report_jobs_failed_total\{county_id="tiny",report_type="ratio_study",failure_reason="insufficient_data"\} 1$/m,
    );
    expect(text).toMatch(
      /^report_jobs_failed_total\{county_id="tiny",report_type="ratio_study",failure_reason="internal_error"\} 3$/m,
    );
    expect(text).toMatch(
      /^market_analysis_jobs_failed_total\{county_id="tiny",analysis_type="price_trend",failure_reason="timeout"\} 1$/m,
    );
    expect(text).not.toMatch(/failure_reason="cancel/);
  });
});

describe('job platform shutdown', () => {
  it('stops taking work, and a job still running at the deadline is requeued without losing an attempt', async () => {
    const t = await createTestApp(
      { JOBS_POLL_INTERVAL_MS: '500', JOBS_SHUTDOWN_TIMEOUT_MS: '200', RATE_LIMIT_ENABLED: 'false' },
      { imports: [TestProcessorsModule] },
    );
    await loadDemoCounty(t.db, { countyId: 'tiny', parcels: 20, seed: 1 });
    const id = await submit(t, 'slow');
    await waitFor(t, id, ['RUNNING']);
    const db = t.db;
    // Keep the suite's pg client: t.close() ends it, so read through a fresh one afterwards.
    const url = t.databaseUrl;
    await t.close();
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT j.status, j.attempts, q.state FROM jobs j JOIN pgboss.job q ON q.id = j.queue_job_id WHERE j.id = $1`,
        [id],
      );
      expect(rows).toEqual([{ status: 'PENDING', attempts: 0, state: 'created' }]);
    } finally {
      await client.end();
    }
    expect(db).toBeDefined();
  });
});
