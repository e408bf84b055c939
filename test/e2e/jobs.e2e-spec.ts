// Job routes against a real PostgreSQL and real pg-boss workers: valuation end to end, idempotency,
// validation with nothing queued, county scoping, cancellation, callbacks, a gis-export run, and
// 1,000 concurrent submissions on a queue-only replica.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { JobCallbacks } from '../../src/jobs/callbacks/job-callbacks.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type HttpResponse, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef-0123456789';
const assessor = authHeader({ role: 'assessor', sub: 'assessor-1', counties: ['tiny', 'other'] });
const assessor2 = authHeader({ role: 'assessor', sub: 'assessor-2', counties: ['tiny'] });
const viewer = authHeader({ role: 'viewer', sub: 'viewer-1', counties: ['tiny'] });
const foreigner = authHeader({ role: 'admin', sub: 'foreign-1', counties: ['other'] });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Hook {
  headers: IncomingHttpHeaders;
  body: string;
}

async function jobCount(t: TestApp): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs');
  return rows[0].n;
}

async function queuedEntries(t: TestApp): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name LIKE 'tf-%'`);
  return rows[0].n;
}

function expectProblem(res: HttpResponse, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body.status).toBe(status);
  return body;
}

describe('job routes with workers (valuation end to end)', () => {
  let t: TestApp;
  let hookServer: Server;
  let hookUrl: string;
  const hooks: Hook[] = [];
  let completedJobId: string;

  beforeAll(async () => {
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body });
        res.writeHead(req.url === '/hooks/broken' ? 503 : 204).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/hooks/jobs`;
    t = await createTestApp({
      WEBHOOK_SECRET,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: '50',
      JOBS_POLL_INTERVAL_MS: '500',
      RATE_LIMIT_ENABLED: 'false',
      // The suite reads /health for its job-queue check: a loaded test machine must not time the ping out.
      HEALTH_DB_TIMEOUT_MS: '5000',
    });
    await loadDemoCounty(t.db, { countyId: 'tiny', parcels: 1500, seed: 11 });
    await loadDemoCounty(t.db, { countyId: 'other', parcels: 200, seed: 12 });
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((r) => hookServer.close(r));
  });

  it('POST /valuation/run queues a job (202, Location, body) that completes with a real result', async () => {
    const res = await t.request('POST', '/api/v1/valuation/run', {
      headers: assessor,
      body: { county_id: 'tiny', tax_year: 2025, method: 'regression', callback_url: hookUrl },
    });
    expect(res.status).toBe(202);
    const body = res.json();
    expect(body).toEqual({
      job_id: expect.stringMatching(UUID),
      module: 'valuation',
      status: 'PENDING',
      county_id: 'tiny',
      submitted_at: expect.any(String),
      links: {
        self: `/api/v1/valuation/status/${body.job_id}`,
        results: `/api/v1/valuation/results/${body.job_id}`,
        cancel: `/api/v1/valuation/jobs/${body.job_id}/cancel`,
      },
    });
    expect(res.headers.get('location')).toBe(`/api/v1/valuation/status/${body.job_id}`);

    const doc = await waitForJob(t, 'valuation', body.job_id, assessor, { statuses: ['COMPLETED', 'FAILED'] });
    expect(doc).toMatchObject({
      job_id: body.job_id,
      module: 'valuation',
      county_id: 'tiny',
      status: 'COMPLETED',
      progress: 1,
      attempts: 1,
      error: null,
      parameters: { county_id: 'tiny', tax_year: 2025, method: 'regression' },
    });
    expect(Date.parse(doc.started_at)).toBeGreaterThanOrEqual(Date.parse(doc.submitted_at));
    expect(Date.parse(doc.finished_at)).toBeGreaterThanOrEqual(Date.parse(doc.started_at));

    const results = await t.request('GET', `/api/v1/valuation/results/${body.job_id}`, { headers: viewer });
    expect(results.status).toBe(200);
    const r = results.json();
    expect(r.job_id).toBe(body.job_id);
    expect(r.status).toBe('COMPLETED');
    expect(r.summary.parcel_count).toBe(1500);
    expect(r.summary.total_value).toBeGreaterThan(0);
    expect(r.diagnostics.n_sales).toBeGreaterThan(0);
    expect(r.diagnostics.coefficients.length).toBeGreaterThan(0);

    const page = await t.request('GET', `/api/v1/valuation/results/${body.job_id}/parcels?limit=5`, {
      headers: viewer,
    });
    expect(page.status).toBe(200);
    expect(page.json().items).toHaveLength(5);
    expect(page.json().items[0]).toEqual(
      expect.objectContaining({
        parcel_id: expect.any(String),
        land_value: expect.any(Number),
        improvement_value: expect.any(Number),
        total_value: expect.any(Number),
      }),
    );
    const next = await t.request(
      'GET',
      `/api/v1/valuation/results/${body.job_id}/parcels?limit=5&cursor=${page.json().next_cursor}`,
      { headers: viewer },
    );
    expect(next.status).toBe(200);
    expect(next.json().items[0].parcel_id > page.json().items[4].parcel_id).toBe(true);
    const badCursor = await t.request('GET', `/api/v1/valuation/results/${body.job_id}/parcels?cursor=nonsense`, {
      headers: viewer,
    });
    expect(expectProblem(badCursor, 400).errors).toEqual([
      { field: 'cursor', message: 'is not a cursor returned by this list' },
    ]);
    completedJobId = body.job_id;

    // The completion callback: the status document, signed with WEBHOOK_SECRET.
    await t.app.get(JobCallbacks).idle();
    const hook = hooks.find((h) => h.body.includes(body.job_id));
    expect(hook).toBeDefined();
    const expected = 'sha256=' + createHmac('sha256', WEBHOOK_SECRET).update(hook!.body).digest('hex');
    expect(hook!.headers['x-terrafusion-signature']).toBe(expected);
    expect(hook!.headers['content-type']).toBe('application/json');
    expect(hook!.headers['x-terrafusion-event']).toBe('job.completed');
    expect(JSON.parse(hook!.body)).toMatchObject({ job_id: body.job_id, status: 'COMPLETED', progress: 1 });
    const { rows } = await t.db.query('SELECT callback_state, callback_attempts FROM jobs WHERE id = $1', [
      body.job_id,
    ]);
    expect(rows[0]).toEqual({ callback_state: 'delivered', callback_attempts: 1 });
  });

  it('lists jobs newest first with cursor pagination, only in the caller’s counties', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await t.request('POST', '/api/v1/valuation/run', {
        headers: assessor,
        body: { county_id: 'tiny', tax_year: 2024, method: 'cost' },
      });
      expect(res.status).toBe(202);
    }
    const all = await t.request('GET', '/api/v1/valuation/jobs?county_id=tiny', { headers: assessor });
    expect(all.status).toBe(200);
    const ids = all.json().items.map((j: { job_id: string }) => j.job_id);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const first = await t.request('GET', '/api/v1/valuation/jobs?limit=2', { headers: assessor });
    expect(first.json().items.map((j: { job_id: string }) => j.job_id)).toEqual(ids.slice(0, 2));
    const cursor = first.json().next_cursor;
    expect(typeof cursor).toBe('string');
    const second = await t.request('GET', `/api/v1/valuation/jobs?limit=2&cursor=${cursor}`, { headers: assessor });
    expect(second.json().items[0].job_id).toBe(ids[2]);
    const submitted = all.json().items.map((j: { submitted_at: string }) => Date.parse(j.submitted_at));
    expect([...submitted].sort((a, b) => b - a)).toEqual(submitted);

    expect((await t.request('GET', '/api/v1/valuation/jobs', { headers: foreigner })).json()).toEqual({
      items: [],
      next_cursor: null,
    });
    expectProblem(await t.request('GET', '/api/v1/valuation/jobs?cursor=bogus', { headers: assessor }), 400);
    expectProblem(await t.request('GET', '/api/v1/valuation/jobs?status=DONE', { headers: assessor }), 400);
    expectProblem(await t.request('GET', '/api/v1/valuation/jobs?limit=0', { headers: assessor }), 400);
    expectProblem(await t.request('GET', '/api/v1/valuation/jobs?county_id=nope', { headers: assessor }), 404);
  });

  it('Idempotency-Key: same key and body → the same job; another body → 409; keys are per caller', async () => {
    const key = 'idem-' + Date.now();
    const body = { county_id: 'tiny', tax_year: 2023, method: 'cost' };
    const before = await jobCount(t);
    const a = await t.request('POST', '/api/v1/valuation/run', {
      headers: { ...assessor, 'idempotency-key': key },
      body,
    });
    expect(a.status).toBe(202);
    const b = await t.request('POST', '/api/v1/valuation/run', {
      headers: { ...assessor, 'idempotency-key': key },
      body: { method: 'cost', tax_year: 2023, county_id: 'tiny' }, // same body, other key order
    });
    expect(b.status).toBe(200);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.json().job_id).toBe(a.json().job_id);
    expect(b.headers.get('location')).toBe(a.headers.get('location'));

    const c = await t.request('POST', '/api/v1/valuation/run', {
      headers: { ...assessor, 'idempotency-key': key },
      body: { ...body, tax_year: 2022 },
    });
    const problem = expectProblem(c, 409);
    expect(problem.job_id).toBe(a.json().job_id);
    expect(await jobCount(t)).toBe(before + 1);

    const other = await t.request('POST', '/api/v1/valuation/run', {
      headers: { ...assessor2, 'idempotency-key': key },
      body,
    });
    expect(other.status).toBe(202);
    expect(other.json().job_id).not.toBe(a.json().job_id);

    expectProblem(
      await t.request('POST', '/api/v1/valuation/run', {
        headers: { ...assessor, 'idempotency-key': 'has space' },
        body,
      }),
      400,
    );
  });

  it('malformed bodies → 400 with field errors, and nothing is queued', async () => {
    const before = await jobCount(t);
    const entries = await queuedEntries(t);
    const cases: Array<[unknown, string[]]> = [
      [{ county_id: 'tiny', tax_year: 1800 }, ['tax_year']],
      [{ county_id: 'tiny', tax_year: new Date().getUTCFullYear() + 2 }, ['tax_year']],
      [{ county_id: 'tiny', tax_year: '2024' }, ['tax_year']],
      [{ county_id: 'tiny', tax_year: 2024.5 }, ['tax_year']],
      [{ county_id: 'tiny', tax_year: 2024, method: 'guess' }, ['method']],
      [{ county_id: 'tiny', tax_year: 2024, neighborhoods: 'N01' }, ['neighborhoods']],
      [{ county_id: 'tiny', tax_year: 2024, neighborhoods: [] }, ['neighborhoods']],
      [{ county_id: 'tiny', tax_year: 2024, extra: 1 }, ['extra']],
      [{ county_id: 'Not A Slug', tax_year: 2024 }, ['county_id']],
      [{ tax_year: 2024 }, ['county_id']],
      [{ county_id: 'tiny', tax_year: 2024, callback_url: 'ftp://127.0.0.1/x' }, ['callback_url']],
      [{ county_id: 'tiny', tax_year: 2024, callback_url: 'http://localhost:1/x' }, ['callback_url']],
      [{ county_id: 'tiny', tax_year: 2024, callback_url: 'https://10.0.0.8/x' }, ['callback_url']],
    ];
    for (const [body, fields] of cases) {
      const res = await t.request('POST', '/api/v1/valuation/run', { headers: assessor, body });
      const problem = expectProblem(res, 400);
      expect([JSON.stringify(body), problem.errors.map((e: { field: string }) => e.field)]).toEqual([
        JSON.stringify(body),
        expect.arrayContaining(fields),
      ]);
      for (const e of problem.errors) expect(e.message).toEqual(expect.any(String));
    }
    const broken = await t.request('POST', '/api/v1/valuation/run', {
      headers: { ...assessor, 'content-type': 'application/json' },
      body: '{"county_id": ',
    });
    expectProblem(broken, 400);
    expect(await jobCount(t)).toBe(before);
    expect(await queuedEntries(t)).toBe(entries);
  });

  it('unknown county → 404; viewer run → 403; nothing queued', async () => {
    const before = await jobCount(t);
    const unknown = await t.request('POST', '/api/v1/valuation/run', {
      headers: assessor,
      body: { county_id: 'atlantis', tax_year: 2024 },
    });
    expect(expectProblem(unknown, 404).detail).toBe("County 'atlantis' does not exist.");
    const foreign = await t.request('POST', '/api/v1/valuation/run', {
      headers: assessor2,
      body: { county_id: 'other', tax_year: 2024 },
    });
    expect(expectProblem(foreign, 404).detail).toBe("County 'other' does not exist.");
    const forbidden = await t.request('POST', '/api/v1/valuation/run', {
      headers: viewer,
      body: { county_id: 'tiny', tax_year: 2024 },
    });
    expectProblem(forbidden, 403);
    expect(await jobCount(t)).toBe(before);
  });

  it('foreign-county status, results, parcels, list and cancel are 404 like a missing job', async () => {
    const paths: Array<[string, string]> = [
      ['GET', `/api/v1/valuation/status/${completedJobId}`],
      ['GET', `/api/v1/valuation/results/${completedJobId}`],
      ['GET', `/api/v1/valuation/results/${completedJobId}/parcels`],
      ['POST', `/api/v1/valuation/jobs/${completedJobId}/cancel`],
    ];
    for (const [method, path] of paths) {
      const foreign = expectProblem(await t.request(method, path, { headers: foreigner }), 404);
      const missing = expectProblem(
        await t.request(method, path.replace(completedJobId, '00000000-0000-4000-8000-000000000000'), {
          headers: assessor,
        }),
        404,
      );
      expect(foreign.title).toBe(missing.title);
      expect(foreign.detail).toBe(`Job '${completedJobId}' does not exist.`);
    }
    expectProblem(await t.request('GET', '/api/v1/valuation/jobs?county_id=tiny', { headers: foreigner }), 404);
    // The job of another module is not found under this one.
    expectProblem(await t.request('GET', `/api/v1/reporting/status/${completedJobId}`, { headers: assessor }), 404);
  });

  it('malformed job_id → 400', async () => {
    for (const path of [
      '/api/v1/valuation/status/not-a-uuid',
      '/api/v1/valuation/results/123',
      '/api/v1/gis-export/results/x/download',
    ]) {
      const problem = expectProblem(await t.request('GET', path, { headers: assessor }), 400);
      expect(problem.errors).toEqual([{ field: 'job_id', message: 'must be a UUID' }]);
    }
    expectProblem(await t.request('POST', '/api/v1/valuation/jobs/nope/cancel', { headers: assessor }), 400);
  });

  it('cancelling a finished job → 409 with its status', async () => {
    const res = await t.request('POST', `/api/v1/valuation/jobs/${completedJobId}/cancel`, { headers: assessor });
    const problem = expectProblem(res, 409);
    expect(problem.job_status).toBe('COMPLETED');
  });

  it('reporting, market-analysis and gis-export: invalid bodies 400, unknown county 404, viewer 403, nothing queued', async () => {
    const before = await jobCount(t);
    const runs: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
      [
        'reporting',
        { county_id: 'tiny', tax_year: 2024, report_type: 'ratio_study', group_by: ['neighborhood'] },
        { report_type: 'sales_chart' },
      ],
      [
        'market-analysis',
        { county_id: 'tiny', analysis_type: 'price_trend', from: '2022-01-01', to: '2024-12-31' },
        { to: '2021-01-01' },
      ],
      [
        'gis-export',
        { county_id: 'tiny', export_format: 'geojson', bbox: [-87, 39, -86, 40] },
        { bbox: [-86, 39, -87, 40] },
      ],
    ];
    for (const [module, body, bad] of runs) {
      const invalid = await t.request('POST', `/api/v1/${module}/run`, {
        headers: assessor,
        body: { ...body, ...bad },
      });
      expect([module, expectProblem(invalid, 400).errors.map((e: { field: string }) => e.field)]).toEqual([
        module,
        Object.keys(bad),
      ]);
      const unknown = await t.request('POST', `/api/v1/${module}/run`, {
        headers: assessor,
        body: { ...body, county_id: 'atlantis' },
      });
      expectProblem(unknown, 404);
      const extra = await t.request('POST', `/api/v1/${module}/run`, { headers: assessor, body: { ...body, x: 1 } });
      expect(expectProblem(extra, 400).errors).toEqual([{ field: 'x', message: 'is not an allowed field' }]);
      expectProblem(await t.request('POST', `/api/v1/${module}/run`, { headers: viewer, body }), 403);
    }
    expect(await jobCount(t)).toBe(before);
  });

  it('gis-export queues a valid run (202) after validation and access checks, and it completes with its file', async () => {
    const before = await jobCount(t);
    const body = { county_id: 'tiny', export_format: 'geojson', bbox: [-180, -90, 180, 90] };
    const res = await t.request('POST', '/api/v1/gis-export/run', { headers: assessor, body });
    expect(res.status).toBe(202);
    expect(await jobCount(t)).toBe(before + 1);
    const id = res.json().job_id as string;
    expect((await waitForJob(t, 'gis-export', id, assessor, { statuses: ['COMPLETED', 'FAILED'] })).status).toBe(
      'COMPLETED',
    );
    const result = (await t.request('GET', `/api/v1/gis-export/results/${id}`, { headers: assessor })).json();
    expect(result).toMatchObject({
      export_format: 'geojson',
      feature_count: 1500,
      download_url: `/api/v1/gis-export/results/${id}/download`,
    });
    const file = await t.request('GET', `/api/v1/gis-export/results/${id}/download`, { headers: assessor });
    expect(file.status).toBe(200);
    expect(JSON.parse(file.text).features).toHaveLength(1500);
    // The artifact store timed the upload and the download.
    const text = (await t.request('GET', '/metrics')).text;
    for (const operation of ['write', 'read']) {
      expect(text).toMatch(
        new RegExp(`^artifact_operation_duration_seconds_count\\{operation="${operation}"\\} [1-9]\\d*$`, 'm'),
      );
    }
  });

  it('records job metrics: submissions, completions and rejections', async () => {
    const res = await t.request('GET', '/metrics');
    expect(res.status).toBe(200);
    const text = res.text;
    expect(text).toMatch(/^valuation_jobs_completed_total\{county_id="tiny"\} [1-9]\d*$/m);
    expect(text).toMatch(/^valuation_processing_duration_seconds_count\{county_id="tiny"\} [1-9]\d*$/m);
    expect(text).toMatch(/^valuation_jobs_submitted_total\{county_id="tiny",status_on_submit="rejected"\} [1-9]\d*$/m);
    expect(text).toMatch(
      /^gis_export_jobs_submitted_total\{county_id="tiny",export_format="geojson",status_on_submit="rejected"\} [1-9]\d*$/m,
    );
    // @Timed engine stages: one series per stage of the valuation that ran, and the GIS export's.
    for (const stage of ['load', 'fit', 'write']) {
      expect(text).toMatch(
        new RegExp(`^job_stage_duration_seconds_count\\{module="valuation",stage="${stage}"\\} [1-9]\\d*$`, 'm'),
      );
    }
    const valuationStages = text.match(/^job_stage_duration_seconds_count\{module="valuation",stage="[a-z]+"\}/gm);
    expect(valuationStages).toHaveLength(3);
    for (const stage of ['load', 'write']) {
      expect(text).toMatch(
        new RegExp(`^job_stage_duration_seconds_count\\{module="gis_export",stage="${stage}"\\} [1-9]\\d*$`, 'm'),
      );
    }
    expect(text).toMatch(/^gis_export_features_total\{county_id="tiny",export_format="geojson"\} [1-9]\d*$/m);
    expect(text).toMatch(/^jobs_queued\{module="valuation"\} \d+$/m);
    expect(text).toMatch(/^jobs_running\{module="valuation"\} \d+$/m);
    expect(text).toMatch(
      /^external_service_calls_total\{service="webhook_127.0.0.1",operation="job_callback",status="2xx"\} [1-9]\d*$/m,
    );
    expect(text).toMatch(/^circuit_breaker_state\{service="webhook_127.0.0.1"\} 0$/m);
    // The host's failure counter exists from its first call on, at 0 while nothing failed.
    expect(text).toMatch(/^circuit_breaker_failures_total\{service="webhook_127.0.0.1"\} 0$/m);
  });

  it('a failing callback is retried with backoff, opens the host’s circuit, and never fails the job', async () => {
    const broken = hookUrl.replace('/hooks/jobs', '/hooks/broken');
    const res = await t.request('POST', '/api/v1/valuation/run', {
      headers: assessor,
      body: { county_id: 'tiny', tax_year: 2025, method: 'regression', callback_url: broken },
    });
    expect(res.status).toBe(202);
    const id = res.json().job_id;
    const doc = await waitForJob(t, 'valuation', id, assessor, { statuses: ['COMPLETED', 'FAILED'] });
    expect(doc.status).toBe('COMPLETED');
    await t.app.get(JobCallbacks).idle();
    expect(hooks.filter((h) => h.body.includes(id))).toHaveLength(5); // WEBHOOK_MAX_ATTEMPTS
    const { rows } = await t.db.query('SELECT status, callback_state, callback_attempts FROM jobs WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'COMPLETED', callback_state: 'failed', callback_attempts: 5 });
    const text = (await t.request('GET', '/metrics')).text;
    expect(text).toMatch(
      /^external_service_calls_total\{service="webhook_127.0.0.1",operation="job_callback",status="5xx"\} 5$/m,
    );
    expect(text).toMatch(/^circuit_breaker_state\{service="webhook_127.0.0.1"\} 2$/m);
    expect(text).toMatch(/^circuit_breaker_failures_total\{service="webhook_127.0.0.1"\} 5$/m);
    // /health/detailed shows the host with its open circuit, last success and failure, and error rate.
    const details = await t.request('GET', '/health/detailed', { headers: authHeader({ role: 'monitoring' }) });
    expect(details.status).toBe(200);
    const hosts = details.json().external_services;
    expect(hosts).toHaveLength(1);
    const delivered = hooks.filter((h) => !h.body.includes(id)).length; // the earlier callbacks all got 204
    expect(hosts[0]).toEqual({
      host: '127.0.0.1',
      service: 'webhook_127.0.0.1',
      circuit_state: 'open',
      last_success_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      last_failure_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      last_error: 'HTTP 503',
      calls_last_hour: delivered + 5,
      error_rate: Math.round((5 / (delivered + 5)) * 1000) / 1000,
    });
    expect(Date.parse(hosts[0].last_failure_at)).toBeGreaterThan(Date.parse(hosts[0].last_success_at));
  });

  it('readiness includes the job queue', async () => {
    const res = await t.request('GET', '/health');
    expect({ status: res.status, body: res.json() }).toMatchObject({ status: 200 });
    expect(res.json().checks.job_queue).toBe('up');
  });
});

describe('job routes with workers off (queue-only replica)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ JOBS_WORKERS_ENABLED: 'false', RATE_LIMIT_ENABLED: 'false', DATABASE_POOL_MAX: '20' });
    await loadDemoCounty(t.db, { countyId: 'tiny', parcels: 50, seed: 3 });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('results of a PENDING job → 409 with its status; cancel PENDING → CANCELLED; cancel again → 409', async () => {
    const res = await t.request('POST', '/api/v1/valuation/run', {
      headers: assessor,
      body: { county_id: 'tiny', tax_year: 2024 },
    });
    expect(res.status).toBe(202);
    const id = res.json().job_id;
    const pending = expectProblem(
      await t.request('GET', `/api/v1/valuation/results/${id}`, { headers: assessor }),
      409,
    );
    expect(pending).toMatchObject({ job_id: id, job_status: 'PENDING' });

    const cancel = await t.request('POST', `/api/v1/valuation/jobs/${id}/cancel`, { headers: assessor });
    expect(cancel.status).toBe(200);
    expect(cancel.json()).toMatchObject({ job_id: id, status: 'CANCELLED', cancel_requested: true, error: null });
    expect(cancel.json().finished_at).toEqual(expect.any(String));
    const again = expectProblem(
      await t.request('POST', `/api/v1/valuation/jobs/${id}/cancel`, { headers: assessor }),
      409,
    );
    expect(again.job_status).toBe('CANCELLED');
    const { rows } = await t.db.query(
      `SELECT q.state FROM pgboss.job q JOIN jobs j ON j.queue_job_id = q.id WHERE j.id = $1`,
      [id],
    );
    expect(rows).toEqual([{ state: 'cancelled' }]);
  });

  it('1,000 concurrent submissions → 1,000 jobs, none lost or duplicated; replayed keys → still 1,000', async () => {
    await t.db.query('DELETE FROM jobs');
    const N = 1000;
    const submit = (i: number) =>
      t.request('POST', '/api/v1/valuation/run', {
        headers: { ...assessor, 'idempotency-key': `bulk-${i}` },
        body: { county_id: 'tiny', tax_year: 2000 + (i % 25), method: i % 2 ? 'cost' : 'regression' },
      });
    const started = Date.now();
    const first = await Promise.all(Array.from({ length: N }, (_, i) => submit(i)));
    const firstMs = Date.now() - started;
    expect(first.map((r) => r.status).filter((s) => s !== 202)).toEqual([]);
    const ids = new Set(first.map((r) => r.json().job_id));
    expect(ids.size).toBe(N);

    const replay = await Promise.all(Array.from({ length: N }, (_, i) => submit(i)));
    expect(replay.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(replay.map((r) => r.json().job_id)).toEqual(first.map((r) => r.json().job_id));

    const { rows } = await t.db.query<{ jobs: number; distinct_keys: number; entries: number }>(
      `SELECT count(*)::int AS jobs, count(DISTINCT idempotency_key)::int AS distinct_keys,
         (SELECT count(*)::int FROM pgboss.job q WHERE q.name = 'tf-valuation' AND q.state = 'created'
            AND q.id IN (SELECT queue_job_id FROM jobs)) AS entries
       FROM jobs`,
    );
    expect(rows[0]).toEqual({ jobs: N, distinct_keys: N, entries: N });
    process.stdout.write(`1,000 concurrent submissions in ${firstMs} ms\n`);
  });
});
