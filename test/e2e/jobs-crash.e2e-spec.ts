// Reliability with real processes: the built server is killed with SIGKILL in the middle of a valuation
// (after a restart the job is picked up again and completes with one more attempt, and the tax year's
// values are complete: all written by that job, nothing half-written); and the database is restarted
// in the middle of a valuation (the job is retried, not lost).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import {
  createTestPostgres,
  ensureBuilt,
  sleep,
  spawnServer,
  waitFor,
  type SpawnedServer,
  type TestPostgres,
} from '../support/process.js';
import { createTestApp, createTestDatabase, httpRequest, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const PARCELS = 60_000;
const assessor = authHeader({ role: 'assessor', sub: 'crash-test', counties: ['big'] });

describe('kill -9 during a job', () => {
  let databaseUrl: string;
  let db: pg.Client;
  let server: SpawnedServer | undefined;
  const env = () => ({
    DATABASE_URL: databaseUrl,
    JOBS_HEARTBEAT_MS: '250',
    JOBS_STALE_AFTER_MS: '1500',
    JOBS_POLL_INTERVAL_MS: '500',
    JOBS_RETRY_DELAY_S: '1',
    LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    ensureBuilt();
    databaseUrl = await createTestDatabase('tfcrash');
    server = await spawnServer(env());
    await server.ready();
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await loadDemoCounty(db, { countyId: 'big', parcels: PARCELS, seed: 21 });
  }, 180_000);

  afterAll(async () => {
    server?.kill('SIGKILL');
    await server?.exited;
    await db?.end();
  });

  it('the job is retried after a restart and completes with attempts = 2 and a complete tax year', async () => {
    const res = await httpRequest(server!.baseUrl, 'POST', '/api/v1/valuation/run', {
      headers: assessor,
      body: { county_id: 'big', tax_year: 2025, method: 'regression' },
    });
    expect(res.status).toBe(202);
    const id = res.json().job_id as string;

    // Kill the worker once it is well into the attempt (progress reported, values being written).
    await waitFor(
      'job running with progress',
      async () => {
        const { rows } = await db.query(`SELECT status, progress FROM jobs WHERE id = $1`, [id]);
        return rows[0]?.status === 'RUNNING' && Number(rows[0].progress) > 0;
      },
      60_000,
      20,
    );
    server!.kill('SIGKILL');
    expect(await server!.exited).toBe('SIGKILL');
    const dead = await db.query(`SELECT status, attempts FROM jobs WHERE id = $1`, [id]);
    expect(dead.rows[0]).toEqual({ status: 'RUNNING', attempts: 1 });

    server = await spawnServer(env());
    await server.ready();
    const started = Date.now();
    let doc: Record<string, unknown> = {};
    await waitFor(
      'job finished after restart',
      async () => {
        const r = await httpRequest(server!.baseUrl, 'GET', `/api/v1/valuation/status/${id}`, { headers: assessor });
        doc = r.json();
        return doc.status === 'COMPLETED' || doc.status === 'FAILED';
      },
      120_000,
      200,
    );
    expect(doc).toMatchObject({ status: 'COMPLETED', attempts: 2, error: null });
    process.stdout.write(`job recovered and completed ${Date.now() - started} ms after the restart\n`);

    const results = await httpRequest(server.baseUrl, 'GET', `/api/v1/valuation/results/${id}`, { headers: assessor });
    expect(results.status).toBe(200);
    expect(results.json().summary.parcel_count).toBe(PARCELS);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT v.parcel_id)::int AS parcels, min(r.county_id) AS county,
              min(r.tax_year)::int AS tax_year
         FROM valuation_values v JOIN valuation_runs r ON r.job_id = v.job_id WHERE v.job_id = $1`,
      [id],
    );
    // The job's version holds every parcel of the year once: nothing of the killed attempt is left beside it.
    expect(rows[0]).toEqual({ n: PARCELS, parcels: PARCELS, county: 'big', tax_year: 2025 });
    await sleep(0);
  });
});

describe('database restarted during a job', () => {
  let server: TestPostgres;
  let t: TestApp;
  let db: pg.Client;

  beforeAll(async () => {
    server = await createTestPostgres();
    await server.start();
    t = await createTestApp(
      {
        JOBS_HEARTBEAT_MS: '250',
        JOBS_STALE_AFTER_MS: '1500',
        JOBS_POLL_INTERVAL_MS: '500',
        JOBS_RETRY_DELAY_S: '1',
        RATE_LIMIT_ENABLED: 'false',
      },
      { databaseUrl: server.url('postgres') },
    );
    t.db.on('error', () => undefined); // the suite's client dies with the server; a new one is used after
    await loadDemoCounty(t.db, { countyId: 'big', parcels: PARCELS, seed: 22 });
  }, 180_000);

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await t?.close().catch(() => undefined);
    await server?.destroy();
  }, 60_000);

  it('the job is retried once the database is back, and completes with a complete tax year', async () => {
    const res = await t.request('POST', '/api/v1/valuation/run', {
      headers: assessor,
      body: { county_id: 'big', tax_year: 2024, method: 'regression' },
    });
    expect(res.status).toBe(202);
    const id = res.json().job_id as string;
    await waitFor(
      'job running with progress',
      async () => {
        const r = await t.request('GET', `/api/v1/valuation/status/${id}`, { headers: assessor });
        return r.json().status === 'RUNNING' && r.json().progress > 0;
      },
      60_000,
      20,
    );
    await server.stop(); // fast shutdown: every connection is terminated mid-statement
    await sleep(1000);
    await server.start();

    let doc: Record<string, unknown> = {};
    await waitFor(
      'job finished after the database restart',
      async () => {
        const r = await t.request('GET', `/api/v1/valuation/status/${id}`, { headers: assessor });
        if (r.status !== 200) return false;
        doc = r.json();
        return doc.status === 'COMPLETED' || doc.status === 'FAILED';
      },
      120_000,
      200,
    );
    expect(doc.status).toBe('COMPLETED');
    expect(doc.attempts).toBeGreaterThanOrEqual(2);
    db = new pg.Client({ connectionString: server.url('postgres') });
    await db.connect();
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT v.parcel_id)::int AS parcels, min(r.county_id) AS county,
              min(r.tax_year)::int AS tax_year
         FROM valuation_values v JOIN valuation_runs r ON r.job_id = v.job_id WHERE v.job_id = $1`,
      [id],
    );
    // The job's version holds every parcel of the year once: nothing of the killed attempt is left beside it.
    expect(rows[0]).toEqual({ n: PARCELS, parcels: PARCELS, county: 'big', tax_year: 2024 });
  });
});
