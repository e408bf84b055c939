// Structured logs of the built service (LOG_FORMAT=json): every line with ISO time, level name, app,
// environment, version and module; one line per request with its id, method, route, status, duration,
// user and county; job lines with job_id, module, county_id and attempt; business events; error lines;
// and no credentials.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { csv, parcel } from '../support/parcel-csv.js';
import {
  createTestPostgres,
  ensureBuilt,
  get,
  spawnServer,
  waitFor,
  type SpawnedServer,
  type TestPostgres,
} from '../support/process.js';
import { createTestDatabase, httpRequest } from '../support/test-app.js';
import { tokenFor } from '../support/tokens.js';

type LogLine = Record<string, unknown>;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const PARCEL_COLUMNS = Object.keys(parcel(0));

function parseLines(out: string): LogLine[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/** What every line of the service carries. */
function expectCommonFields(line: LogLine): void {
  expect(line).toMatchObject({ app: 'terrafusion-api', environment: 'test', version: '0.1.0' });
  expect(line.time).toMatch(ISO_8601);
  expect(LEVELS).toContain(line.level);
  expect(typeof line.module).toBe('string');
  expect(line.module).not.toBe('');
}

describe('request logs of the built service', () => {
  let s: SpawnedServer;
  let lines: LogLine[];
  let raw: string;
  const token = tokenFor({ role: 'monitoring' });
  const assessorToken = tokenFor({ role: 'assessor', sub: 'assessor-logs', counties: ['demo', 'logs-county'] });
  const querySecret = 'qs-' + randomBytes(8).toString('hex');
  const jobIds: Record<string, string> = {};

  beforeAll(async () => {
    ensureBuilt();
    s = await spawnServer({
      DATABASE_URL: await createTestDatabase('tf_logs'),
      SHUTDOWN_DELAY_MS: '1500',
      LOG_LEVEL: 'info',
      DEMO_DATA: 'true',
      DEMO_PARCELS: '1000',
    });
    await s.ready();
    const call = (method: string, path: string, id: string, body?: unknown, extra: Record<string, string> = {}) =>
      httpRequest(s.baseUrl, method, path, {
        headers: { authorization: `Bearer ${assessorToken}`, 'x-request-id': id, ...extra },
        body,
      });
    await get(s.baseUrl + '/health/ready', 5000, { 'x-request-id': 'log-ready', authorization: `Bearer ${token}` });
    await get(s.baseUrl + `/info?access_token=${querySecret}&x=1`, 5000, {
      'x-request-id': 'log-info',
      authorization: `Bearer ${token}`,
    });
    await get(s.baseUrl + '/no/such/route', 5000, { 'x-request-id': 'log-404' });
    // A county import (business event county_import_finished).
    expect((await call('PUT', '/api/v1/counties/logs-county', 'log-put', { name: 'Logs', state: 'WA' })).status).toBe(
      201,
    );
    const rows = [parcel(1), parcel(2), parcel(3)];
    const imported = await call(
      'POST',
      '/api/v1/counties/logs-county/parcels/import',
      'log-import',
      csv(PARCEL_COLUMNS, rows),
      {
        'content-type': 'text/csv',
      },
    );
    expect(imported.status).toBe(200);
    // A valuation (job lines, business event valuation_completed) and a GIS export that is downloaded
    // (export_downloaded).
    const valuation = await call('POST', '/api/v1/valuation/run', 'log-valuation', {
      county_id: 'demo',
      tax_year: 2025,
      method: 'regression',
    });
    expect(valuation.status).toBe(202);
    jobIds.valuation = valuation.json().job_id;
    const exported = await call('POST', '/api/v1/gis-export/run', 'log-export', {
      county_id: 'demo',
      export_format: 'csv',
    });
    expect(exported.status).toBe(202);
    jobIds.export = exported.json().job_id;
    for (const [module, id] of [
      ['valuation', jobIds.valuation],
      ['gis-export', jobIds.export],
    ]) {
      await waitFor(
        `${module} job ${id} completed`,
        async () => (await call('GET', `/api/v1/${module}/status/${id}`, 'log-poll')).json().status === 'COMPLETED',
        60_000,
        200,
      );
    }
    const download = await call('GET', `/api/v1/gis-export/results/${jobIds.export}/download`, 'log-download');
    expect(download.status).toBe(200);
    // The valuation adopted as the current values (valuation_adopted).
    const adopted = await call('POST', `/api/v1/valuation/results/${jobIds.valuation}/adopt`, 'log-adopt');
    expect(adopted.status).toBe(200);
    s.kill('SIGTERM');
    // Draining: readiness answers 503 until the delay is over; that is the probe doing its job.
    for (let i = 0; i < 50; i++) {
      const probe = await get(s.baseUrl + '/health/ready', 1000, { 'x-request-id': `log-drain-${i}` });
      if (probe.status === 503) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await s.exited).toBe(0);
    raw = s.stdout() + s.stderr();
    lines = parseLines(s.stdout());
  }, 240_000);

  afterAll(() => {
    s?.kill('SIGKILL');
  });

  function requestLine(id: string): LogLine {
    const found = lines.filter((l) => l.request_id === id && l.status !== undefined);
    expect(found).toHaveLength(1);
    return found[0];
  }

  it('gives every line ISO 8601 time, the level by name, app, environment, version and module', () => {
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) expectCommonFields(line);
  });

  it('writes one JSON line per request with request_id, method, route, status, duration and module', () => {
    const ready = requestLine('log-ready');
    expect(ready).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/health/ready',
      path: '/health/ready',
      status: 200,
      module: 'health',
    });
    expect(typeof ready.duration_ms).toBe('number');
    expect(typeof ready.msg).toBe('string');
    // Public routes are not authenticated: no user, even with a token.
    expect(ready.user_id).toBeUndefined();

    expect(requestLine('log-info')).toMatchObject({
      method: 'GET',
      route: '/info',
      path: '/info',
      status: 200,
      module: 'info',
    });
    expect(requestLine('log-404')).toMatchObject({
      method: 'GET',
      route: 'unmatched',
      path: '/no/such/route',
      status: 404,
      module: 'http',
    });
  });

  it("adds the token's sub as user_id, the route's county_id and the feature module", () => {
    expect(requestLine('log-import')).toMatchObject({
      level: 'info',
      route: '/api/v1/counties/:county_id/parcels/import',
      status: 200,
      user_id: 'assessor-logs',
      county_id: 'logs-county',
      module: 'counties',
    });
    expect(requestLine('log-valuation')).toMatchObject({
      route: '/api/v1/valuation/run',
      status: 202,
      user_id: 'assessor-logs',
      county_id: 'demo',
      module: 'valuation',
    });
    expect(requestLine('log-download')).toMatchObject({
      route: '/api/v1/gis-export/results/:job_id/download',
      status: 200,
      user_id: 'assessor-logs',
      module: 'gis-export',
    });
  });

  it('writes job lines with job_id, module, county_id and attempt', () => {
    const completed = lines.find((l) => l.job_id === jobIds.valuation && l.status === 'COMPLETED');
    expect(completed).toMatchObject({
      level: 'info',
      job_id: jobIds.valuation,
      module: 'valuation',
      county_id: 'demo',
      attempt: 1,
      msg: expect.stringContaining('completed in attempt 1'),
    });
    expect(typeof completed!.duration_ms).toBe('number');
    expect(lines.find((l) => l.job_id === jobIds.export && l.status === 'COMPLETED')).toMatchObject({
      module: 'gis-export',
      county_id: 'demo',
      attempt: 1,
    });
  });

  it('logs business events as event=<name> lines with their figures', () => {
    const event = (name: string) => {
      const found = lines.filter((l) => l.event === name);
      expect(found).toHaveLength(1);
      expect(found[0].msg).toMatch(new RegExp(`^event=${name} `));
      expect(found[0].level).toBe('info');
      return found[0];
    };
    expect(event('county_import_finished')).toMatchObject({
      module: 'counties',
      county_id: 'logs-county',
      user_id: 'assessor-logs',
      kind: 'parcels',
      format: 'csv',
      rows_read: 3,
      inserted: 3,
      updated: 0,
      rejected: 0,
    });
    const valuation = event('valuation_completed');
    expect(valuation).toMatchObject({
      module: 'valuation',
      county_id: 'demo',
      job_id: jobIds.valuation,
      tax_year: 2025,
      method: 'regression',
      parcel_count: 1000,
    });
    expect(valuation.total_value as number).toBeGreaterThan(0);
    expect(valuation.msg).toContain('parcel_count=1000');
    expect(event('valuation_adopted')).toMatchObject({
      module: 'valuation',
      county_id: 'demo',
      job_id: jobIds.valuation,
      user_id: 'assessor-logs',
      tax_year: 2025,
      parcel_count: 1000,
      previously_adopted_job_id: null,
    });
    const download = event('export_downloaded');
    expect(download).toMatchObject({
      module: 'gis-export',
      county_id: 'demo',
      job_id: jobIds.export,
      user_id: 'assessor-logs',
      export_format: 'csv',
    });
    expect(download.bytes as number).toBeGreaterThan(1000);
  });

  it('logs no tokens, Authorization headers or query strings', () => {
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(token.split('.')[2]); // not even the signature
    expect(raw).not.toContain(querySecret);
    expect(raw).not.toContain('access_token');
    const logged = JSON.stringify(lines);
    expect(logged).not.toMatch(/authorization|bearer|cookie/i);
  });

  it('logs a probe answering 503 while draining at info, not as an error', () => {
    const drain = lines.filter((l) => String(l.request_id).startsWith('log-drain-') && l.status === 503);
    expect(drain.length).toBeGreaterThanOrEqual(1);
    for (const line of drain) expect(line).toMatchObject({ level: 'info', route: '/health/ready' });
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it("keeps Nest's module and route listing out of the info log", () => {
    expect(lines.some((l) => l.context === 'InstanceLoader' || l.context === 'RouterExplorer')).toBe(false);
  });

  it('does not log liveness probes (they would drown the rest)', () => {
    expect(lines.some((l) => l.route === '/health/live')).toBe(false);
  });
});

describe('error lines of the built service', () => {
  let pg: TestPostgres;
  let s: SpawnedServer;
  const token = tokenFor({ role: 'viewer', sub: 'viewer-logs', counties: ['*'] });

  beforeAll(async () => {
    ensureBuilt();
    pg = await createTestPostgres();
    await pg.start();
    s = await spawnServer({ DATABASE_URL: pg.url('postgres'), LOG_LEVEL: 'info', DATABASE_CONNECT_TIMEOUT_MS: '1000' });
    await s.ready();
  }, 120_000);

  afterAll(async () => {
    s?.kill('SIGKILL');
    await pg?.destroy();
  }, 60_000);

  it('logs an unexpected failure (database gone mid-flight) at error with request id, route, module and user', async () => {
    await pg.stop();
    const res = await httpRequest(s.baseUrl, 'GET', '/api/v1/counties', {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'log-500' },
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 500, request_id: 'log-500' });
    let lines: LogLine[] = [];
    await waitFor(
      'the request line',
      async () => {
        lines = parseLines(s.stdout());
        return lines.some((l) => l.request_id === 'log-500' && l.status === 500);
      },
      5000,
    );
    for (const line of lines) expectCommonFields(line);
    const error = lines.find((l) => l.request_id === 'log-500' && l.context === 'ProblemFilter');
    expect(error).toMatchObject({
      level: 'error',
      route: '/api/v1/counties',
      module: 'counties',
      user_id: 'viewer-logs',
      msg: 'Unhandled error on GET /api/v1/counties',
    });
    expect((error!.err as { message?: string }).message).toBeTruthy();
    expect(lines.find((l) => l.request_id === 'log-500' && l.status === 500)).toMatchObject({
      level: 'error',
      module: 'counties',
      user_id: 'viewer-logs',
    });
  }, 30_000);
});
