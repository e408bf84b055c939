// Probes against a private PostgreSQL server that the suite can freeze (SIGSTOP): a hung database.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { HealthRegistry } from '../../src/health/health-registry.js';
import { ShutdownState } from '../../src/lifecycle/shutdown-state.js';
import { createTestPostgres, get, waitFor, type TestPostgres } from '../support/process.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const ALL_UP = { status: 'ok', checks: { shutdown: 'up', database: 'up', migrations: 'up', job_queue: 'up' } };
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MONITORING = authHeader({ role: 'monitoring' });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('health probes', () => {
  let pg: TestPostgres;
  let t: TestApp;

  beforeAll(async () => {
    pg = await createTestPostgres();
    await pg.start();
    t = await createTestApp({ HEALTH_DB_TIMEOUT_MS: '500' }, { databaseUrl: pg.url('postgres') });
  }, 120_000);

  afterAll(async () => {
    pg?.thaw();
    await t?.close();
    await pg?.destroy();
  }, 60_000);

  it('answers liveness with 200 {status: ok}, not cached', async () => {
    const res = await get(t.baseUrl + '/health/live');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers readiness with each check up and nothing else', async () => {
    const res = await get(t.baseUrl + '/health/ready');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body)).toEqual(ALL_UP);
  });

  it('answers the public summary with each check, the time of the answer and the version', async () => {
    const before = Date.now();
    const res = await get(t.baseUrl + '/health');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(res.body);
    expect(body).toEqual({ ...ALL_UP, timestamp: expect.stringMatching(ISO_8601), version: '0.1.0' });
    expect(Date.parse(body.timestamp)).toBeGreaterThanOrEqual(before - 5);
    expect(Date.parse(body.timestamp)).toBeLessThanOrEqual(Date.now() + 5);
  });

  it('answers GET /health/db with the status and the ping latency only, without a token', async () => {
    const res = await get(t.baseUrl + '/health/db');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(res.body);
    expect(Object.keys(body).sort()).toEqual(['latency_ms', 'status']);
    expect(body.status).toBe('up');
    expect(body.latency_ms).toBeGreaterThan(0);
    expect(body.latency_ms).toBeLessThan(500);
  });

  it('serves the details: database latency and pool, memory, version, uptime', async () => {
    const res = await get(t.baseUrl + '/health/detailed', 5000, MONITORING);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      status: 'ok',
      checks: ALL_UP.checks,
      draining: false,
      version: '0.1.0',
      node_version: process.version,
      database: { up: true, pool: { max: 10 } },
    });
    expect(typeof body.database.latency_ms).toBe('number');
    expect(body.database.latency_ms).toBeLessThan(500);
    expect(body.database.pool.total).toBeGreaterThanOrEqual(1);
    expect(body.memory.rss_bytes).toBeGreaterThan(0);
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(0);
  });

  it('details the system (CPU, load, event-loop delay, heap), the job queues and the callback hosts', async () => {
    const db = t.app.get(DataSource);
    const [{ id: countyId }] = await db.query(
      `INSERT INTO counties (id, name, state) VALUES ('hq', 'Health County', 'WA') RETURNING id`,
    );
    // Finished jobs as the platform leaves them: one failed 10 minutes ago, one failed yesterday.
    const insert = (status: string, finishedAgo: string | null) =>
      db.query(
        `INSERT INTO jobs (id, module, county_id, status, parameters, max_attempts, submitted_at, finished_at,
                           requested_by)
         VALUES (gen_random_uuid(), 'reporting', $1, $2, '{}', 1, now() - interval '2 days',
                 CASE WHEN $3::interval IS NULL THEN NULL ELSE now() - $3::interval END, 'test')`,
        [countyId, status, finishedAgo],
      );
    await insert('FAILED', '10 minutes');
    await insert('FAILED', '1 day');
    const res = await get(t.baseUrl + '/health/detailed', 5000, MONITORING);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.queues).toEqual({
      valuation: { queued: 0, active: 0, failed_last_hour: 0 },
      reporting: { queued: 0, active: 0, failed_last_hour: 1 },
      'market-analysis': { queued: 0, active: 0, failed_last_hour: 0 },
      'gis-export': { queued: 0, active: 0, failed_last_hour: 0 },
    });
    // No WEBHOOK_ALLOWED_HOSTS and no callback made: no external service to show.
    expect(body.external_services).toEqual([]);
    const { cpu, event_loop, heap } = body.system;
    expect(cpu.cores).toBeGreaterThanOrEqual(1);
    expect(cpu.load_average).toHaveLength(3);
    expect(cpu.process_percent).toBeGreaterThanOrEqual(0);
    expect(cpu.user_seconds).toBeGreaterThan(0);
    expect(event_loop.delay_p99_ms).toBeGreaterThan(0);
    expect(event_loop.delay_p99_ms).toBeGreaterThanOrEqual(event_loop.delay_p50_ms);
    expect(event_loop.window_seconds).toBeGreaterThan(0);
    expect(heap.used_bytes).toBeGreaterThan(0);
    expect(heap.limit_bytes).toBeGreaterThan(heap.used_bytes);
    expect(heap.used_ratio).toBeCloseTo(heap.used_bytes / heap.limit_bytes, 3);
    await db.query(`DELETE FROM jobs WHERE county_id = 'hq'`);
  });

  it('with the database down answers /health/db and /health 503, liveness 200, then recovers', async () => {
    t.db.on('error', () => undefined); // the suite's own client dies with the server; it is not used after
    await pg.stop();
    try {
      const db = await get(t.baseUrl + '/health/db', 5000);
      expect(db.status).toBe(503);
      const body = JSON.parse(db.body);
      expect(body).toEqual({ status: 'down', latency_ms: expect.any(Number) });
      expect(db.ms).toBeLessThan(1500);
      const summary = await get(t.baseUrl + '/health', 5000);
      expect(summary.status).toBe(503);
      expect(JSON.parse(summary.body)).toMatchObject({
        status: 'error',
        version: '0.1.0',
        checks: { database: 'down', shutdown: 'up' },
      });
      expect((await get(t.baseUrl + '/health/live')).status).toBe(200);
      const detailed = await get(t.baseUrl + '/health/detailed', 5000, MONITORING);
      expect(detailed.status).toBe(200);
      expect(JSON.parse(detailed.body)).toMatchObject({ status: 'error', database: { up: false } });
    } finally {
      await pg.start();
    }
    await waitFor('database back', async () => (await get(t.baseUrl + '/health/db', 2000)).status === 200, 20_000);
    await waitFor('ready again', async () => (await get(t.baseUrl + '/health/ready', 2000)).status === 200, 20_000);
  }, 60_000);

  it('answers healthy probes in under 50 ms (median of 15, fresh connection each)', async () => {
    const figures: Record<string, number> = {};
    for (const path of ['/health/live', '/health/ready', '/health']) {
      await get(t.baseUrl + path); // warm
      const times: number[] = [];
      for (let i = 0; i < 15; i++) {
        const res = await get(t.baseUrl + path);
        expect(res.status).toBe(200);
        times.push(res.ms);
      }
      figures[path] = Math.round(median(times) * 10) / 10;
    }
    process.stdout.write(`healthy probe medians (ms): ${JSON.stringify(figures)}\n`);
    for (const ms of Object.values(figures)) expect(ms).toBeLessThan(50);
  });

  it('counts a registered check that is down, throws or hangs as down, and only shows up/down', async () => {
    const registry = t.app.get(HealthRegistry);
    registry.register('test_check', async () => ({ test_check: { status: 'down', secret_detail: 'x' } }));
    let res = await get(t.baseUrl + '/health/ready');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ status: 'error', checks: { ...ALL_UP.checks, test_check: 'down' } });

    registry.register('test_check', async () => {
      throw new Error('boom');
    });
    res = await get(t.baseUrl + '/health');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).checks.test_check).toBe('down');

    registry.register('test_check', () => new Promise(() => undefined));
    res = await get(t.baseUrl + '/health/ready');
    expect(res.status).toBe(503);
    expect(res.ms).toBeLessThan(1500);

    registry.register('test_check', async () => ({ test_check: { status: 'up' } }));
    res = await get(t.baseUrl + '/health/ready');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).checks.test_check).toBe('up');
    registry.unregister('test_check');
  });

  it('with a hung database answers 503 in under 1.5 s on every probe, liveness stays fast, then recovers', async () => {
    const frozen = pg.freeze();
    expect(frozen.length).toBeGreaterThan(1);
    try {
      const times: number[] = [];
      const db = await get(t.baseUrl + '/health/db', 5000);
      expect(db.status).toBe(503);
      expect(JSON.parse(db.body).status).toBe('down');
      expect(db.ms).toBeLessThan(1500);
      // Every section of the details is bounded too: the queue count (app pool) shows as down.
      const detailed = await get(t.baseUrl + '/health/detailed', 5000, MONITORING);
      expect(detailed.status).toBe(200);
      expect(detailed.ms).toBeLessThan(2000);
      const details = JSON.parse(detailed.body);
      expect(details).toMatchObject({ status: 'error', database: { up: false } });
      expect(details.queues).toEqual({ status: 'down', error: expect.stringContaining('no answer within') });
      expect(details.system.heap.used_bytes).toBeGreaterThan(0);
      for (let i = 0; i < 6; i++) {
        const res = await get(t.baseUrl + (i % 2 ? '/health' : '/health/ready'), 5000);
        expect(res.status).toBe(503);
        expect(JSON.parse(res.body).checks).toMatchObject({ shutdown: 'up', database: 'down', migrations: 'up' });
        expect(res.ms).toBeLessThan(1500);
        times.push(res.ms);
        const live = await get(t.baseUrl + '/health/live');
        expect(live.status).toBe(200);
        expect(live.ms).toBeLessThan(200);
      }
      // Concurrent probes during the outage do not pile up either.
      const burst = await Promise.all(Array.from({ length: 5 }, () => get(t.baseUrl + '/health/ready', 5000)));
      for (const res of burst) {
        expect(res.status).toBe(503);
        expect(res.ms).toBeLessThan(1500);
      }
      process.stdout.write(`hung-database 503 times (ms): ${times.map((ms) => Math.round(ms)).join(', ')}\n`);
    } finally {
      pg.thaw();
    }
    const recoveredIn = await waitFor(
      'ready again after SIGCONT',
      async () => (await get(t.baseUrl + '/health/ready', 2000)).status === 200,
      10_000,
    );
    process.stdout.write(`ready again ${recoveredIn} ms after SIGCONT\n`);
    const rows = await t.app.get(DataSource).query('SELECT 41 + 1 AS answer');
    expect(rows).toEqual([{ answer: 42 }]);
  }, 60_000);

  it('turns readiness 503 while draining; liveness stays 200', async () => {
    t.app.get(ShutdownState).startDraining();
    const ready = await get(t.baseUrl + '/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: 'error', checks: { ...ALL_UP.checks, shutdown: 'down' } });
    const live = await get(t.baseUrl + '/health/live');
    expect(live.status).toBe(200);
  });
});
