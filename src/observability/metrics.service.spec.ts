import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { JobFailure, JobProcessing, JobSubmission, Timed } from './decorators/index.js';
import { parseExposition, sampleValue, type Family } from './exposition-parser.js';
import { JOB_FAMILIES, JOB_MODULES, jobFamilyDefs } from './metric-names.js';
import { MetricsService } from './metrics.service.js';

describe('MetricsService', () => {
  let metrics: MetricsService;
  const scrape = async (): Promise<Map<string, Family>> => parseExposition(await metrics.render());

  beforeEach(() => {
    metrics = new MetricsService(new Registry());
  });
  afterEach(() => metrics.onApplicationShutdown());

  it('exposes every catalogue family with HELP and TYPE, build info, and no _total gauges', async () => {
    const families = await scrape();
    const names = [
      'http_requests_total',
      'http_request_duration_seconds',
      'http_requests_in_flight',
      'jobs_queued',
      'jobs_running',
      'gis_export_bytes_total',
      'gis_export_features_total',
      'db_connections_active',
      'db_connections_idle',
      'db_connections_waiting',
      'db_query_duration_seconds',
      'auth_attempts_total',
      'authz_denied_total',
      'rate_limit_exceeded_total',
      'external_service_calls_total',
      'external_service_duration_seconds',
      'circuit_breaker_state',
      'errors_total',
      'terrafusion_build_info',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      ...JOB_MODULES.flatMap((m) => Object.values(jobFamilyDefs(JOB_FAMILIES[m])).map((d) => d.name)),
    ];
    for (const name of names) {
      expect([name, families.get(name)?.help?.length ?? 0]).toEqual([name, expect.any(Number)]);
      expect(families.get(name)!.help!.length).toBeGreaterThan(10);
    }
    for (const [name, family] of families) {
      if (family.type !== 'counter') expect([name, name.endsWith('_total')]).toEqual([name, false]);
    }
    const build = families.get('terrafusion_build_info')!.samples[0];
    expect(build.value).toBe(1);
    expect(Object.keys(build.labels).sort()).toEqual(['commit', 'node_version', 'version']);
    expect(build.labels.node_version).toBe(process.version);
  });

  it('counts HTTP requests once, with bounded labels', async () => {
    const t = metrics.httpStart('GET', '/counties/:county_id');
    expect(
      sampleValue(await scrape(), 'http_requests_in_flight', { method: 'GET', route: '/counties/:county_id' }),
    ).toBe(1);
    metrics.httpEnd(t, 200);
    metrics.httpEnd(t, 500); // second end of the same request is ignored
    metrics.httpEnd(metrics.httpStart('BREW', undefined), 404);
    const f = await scrape();
    expect(
      sampleValue(f, 'http_requests_total', { method: 'GET', route: '/counties/:county_id', status_code: '200' }),
    ).toBe(1);
    expect(
      sampleValue(f, 'http_requests_total', { method: 'GET', route: '/counties/:county_id', status_code: '500' }),
    ).toBeUndefined();
    expect(sampleValue(f, 'http_requests_total', { method: 'OTHER', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(sampleValue(f, 'http_requests_in_flight', { method: 'GET', route: '/counties/:county_id' })).toBe(0);
    expect(
      sampleValue(f, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/counties/:county_id',
        status_code: '200',
      }),
    ).toBe(1);
  });

  it('caps route templates at 200 distinct values', async () => {
    for (let i = 0; i < 250; i++) metrics.httpEnd(metrics.httpStart('GET', `/r${i}`), 200);
    const routes = new Set((await scrape()).get('http_requests_total')!.samples.map((s) => s.labels.route));
    expect(routes.size).toBe(201);
    expect(routes.has('other')).toBe(true);
    expect(
      sampleValue(await scrape(), 'http_requests_total', { method: 'GET', route: 'other', status_code: '200' }),
    ).toBe(50);
  });

  it('maps auth, error and outbound inputs to fixed sets', async () => {
    metrics.recordAuthAttempt('expired');
    metrics.recordAuthAttempt('<script>');
    metrics.recordAuthzDenied('valuation:execute');
    metrics.recordAuthzDenied('root:everything');
    metrics.recordRateLimited('subject');
    metrics.recordError(409, '/api/v1/valuation/jobs/:job_id/cancel');
    metrics.recordError(418, undefined);
    metrics.recordExternalCall('webhook', 'callback', 503, 0.2);
    metrics.recordExternalCall('webhook', 'callback', 'timeout', 5);
    metrics.setCircuitState('webhook', 'open');
    const f = await scrape();
    expect(sampleValue(f, 'auth_attempts_total', { result: 'expired' })).toBe(1);
    expect(sampleValue(f, 'auth_attempts_total', { result: 'other' })).toBe(1);
    expect(sampleValue(f, 'authz_denied_total', { permission: 'valuation:execute' })).toBe(1);
    expect(sampleValue(f, 'authz_denied_total', { permission: 'other' })).toBe(1);
    expect(sampleValue(f, 'rate_limit_exceeded_total', { key_type: 'subject' })).toBe(1);
    expect(sampleValue(f, 'errors_total', { type: 'conflict', route: '/api/v1/valuation/jobs/:job_id/cancel' })).toBe(
      1,
    );
    expect(sampleValue(f, 'errors_total', { type: 'client', route: 'unmatched' })).toBe(1);
    expect(
      sampleValue(f, 'external_service_calls_total', { service: 'webhook', operation: 'callback', status: '5xx' }),
    ).toBe(1);
    expect(
      sampleValue(f, 'external_service_calls_total', { service: 'webhook', operation: 'callback', status: 'timeout' }),
    ).toBe(1);
    expect(
      sampleValue(f, 'external_service_duration_seconds_count', { service: 'webhook', operation: 'callback' }),
    ).toBe(2);
    expect(sampleValue(f, 'circuit_breaker_state', { service: 'webhook' })).toBe(2);
  });

  it('reads pool gauges and job counts at scrape time', async () => {
    const pool = { totalCount: 7, idleCount: 3, waitingCount: 2 };
    metrics.setPoolStats(() => pool);
    metrics.setJobCountsSource(async () => ({ reporting: { queued: 4, running: 1 } }));
    let f = await scrape();
    expect([
      sampleValue(f, 'db_connections_active'),
      sampleValue(f, 'db_connections_idle'),
      sampleValue(f, 'db_connections_waiting'),
    ]).toEqual([4, 3, 2]);
    expect(sampleValue(f, 'jobs_queued', { module: 'reporting' })).toBe(4);
    expect(sampleValue(f, 'jobs_running', { module: 'reporting' })).toBe(1);
    pool.idleCount = 7;
    f = await scrape();
    expect(sampleValue(f, 'db_connections_active')).toBe(0);
  });

  it('records GIS export volume with bounded labels', async () => {
    metrics.recordGisExport({ countyId: 'demo', exportFormat: 'geojson' }, 2048, 10);
    metrics.recordGisExport({ countyId: 'DROP TABLE', exportFormat: 'exe' }, 1, 1);
    const f = await scrape();
    expect(sampleValue(f, 'gis_export_bytes_total', { county_id: 'demo', export_format: 'geojson' })).toBe(2048);
    expect(sampleValue(f, 'gis_export_features_total', { county_id: 'other', export_format: 'other' })).toBe(1);
  });
});

describe('metric decorators', () => {
  let metrics: MetricsService;
  const scrape = async () => parseExposition(await metrics.render());

  class Worker {
    @Timed('worker_fit_seconds', { labels: { method: 'regression' } })
    async fit(fail: boolean): Promise<string> {
      await new Promise((r) => setTimeout(r, 20));
      if (fail) throw new Error('singular matrix');
      return 'ok';
    }

    @Timed('worker_parse_seconds')
    parse(input: string): number {
      if (input === '') throw new Error('empty');
      return input.length;
    }

    @JobSubmission('reporting', (args, job) => ({
      countyId: args[0] as string,
      kind: args[1] as string,
      statusOnSubmit: (job as { replayed?: boolean } | undefined)?.replayed ? 'duplicate' : 'accepted',
    }))
    async submit(countyId: string, _reportType: string): Promise<{ replayed: boolean }> {
      if (countyId === 'bad!') throw new Error('invalid');
      return { replayed: false };
    }

    @JobProcessing('reporting', (args) => ({ countyId: args[0] as string, kind: args[1] as string }))
    async process(_countyId: string, _reportType: string, outcome: 'ok' | 'no_data' | 'crash'): Promise<number> {
      await new Promise((r) => setTimeout(r, 10));
      if (outcome === 'no_data') throw new JobFailure('insufficient_data', 'no valid sales');
      if (outcome === 'crash') throw new TypeError('undefined is not a function');
      return 7;
    }
  }

  beforeEach(() => {
    metrics = new MetricsService(new Registry());
  });
  afterEach(() => metrics.onApplicationShutdown());

  it('@Timed times async and sync calls by outcome and passes results and errors through', async () => {
    const w = new Worker();
    await expect(w.fit(false)).resolves.toBe('ok');
    await expect(w.fit(true)).rejects.toThrow('singular matrix');
    expect(w.parse('abc')).toBe(3);
    expect(() => w.parse('')).toThrow('empty');
    const f = await scrape();
    expect(sampleValue(f, 'worker_fit_seconds_count', { method: 'regression', outcome: 'success' })).toBe(1);
    expect(sampleValue(f, 'worker_fit_seconds_count', { method: 'regression', outcome: 'error' })).toBe(1);
    expect(
      sampleValue(f, 'worker_fit_seconds_sum', { method: 'regression', outcome: 'success' }),
    ).toBeGreaterThanOrEqual(0.015);
    expect(sampleValue(f, 'worker_parse_seconds_count', { outcome: 'success' })).toBe(1);
    expect(sampleValue(f, 'worker_parse_seconds_count', { outcome: 'error' })).toBe(1);
  });

  it('@Timed refuses names and labels that break conventions', () => {
    expect(() => Timed('fitDuration')).toThrow(/ends in _seconds/);
    expect(() => Timed('fit_seconds', { labels: { outcome: 'x' } })).toThrow(/invalid label name/);
  });

  it('job decorators record submitted, completed (with duration) and failed with bounded labels', async () => {
    const w = new Worker();
    await w.submit('demo', 'ratio_study');
    await expect(w.submit('bad!', 'ratio_study')).rejects.toThrow('invalid');
    await w.submit('demo', 'pie_chart');
    await expect(w.process('demo', 'ratio_study', 'ok')).resolves.toBe(7);
    await expect(w.process('demo', 'ratio_study', 'no_data')).rejects.toThrow('no valid sales');
    await expect(w.process('demo', 'assessment_roll', 'crash')).rejects.toThrow(TypeError);
    const f = await scrape();
    expect(
      sampleValue(f, 'report_jobs_submitted_total', {
        county_id: 'demo',
        status_on_submit: 'accepted',
        report_type: 'ratio_study',
      }),
    ).toBe(1);
    expect(
      sampleValue(f, 'report_jobs_submitted_total', {
        county_id: 'other',
        status_on_submit: 'rejected',
        report_type: 'ratio_study',
      }),
    ).toBe(1);
    expect(
      sampleValue(f, 'report_jobs_submitted_total', {
        county_id: 'demo',
        status_on_submit: 'accepted',
        report_type: 'other',
      }),
    ).toBe(1);
    expect(sampleValue(f, 'report_jobs_completed_total', { county_id: 'demo', report_type: 'ratio_study' })).toBe(1);
    expect(
      sampleValue(f, 'report_processing_duration_seconds_count', { county_id: 'demo', report_type: 'ratio_study' }),
    ).toBe(1);
    expect(
      sampleValue(f, 'report_jobs_failed_total', {
        county_id: 'demo',
        failure_reason: 'insufficient_data',
        report_type: 'ratio_study',
      }),
    ).toBe(1);
    expect(
      sampleValue(f, 'report_jobs_failed_total', {
        county_id: 'demo',
        failure_reason: 'internal_error',
        report_type: 'assessment_roll',
      }),
    ).toBe(1);
  });

  it('the job family recorder validates labels directly too', async () => {
    const valuation = metrics.jobs('valuation');
    valuation.submitted({ countyId: 'king-wa', statusOnSubmit: 'DUPLICATE' });
    valuation.completed({ countyId: 'king-wa' }, 3.2);
    valuation.failed({ countyId: 'king-wa', reason: 'meteor' });
    const f = await scrape();
    expect(
      sampleValue(f, 'valuation_jobs_submitted_total', { county_id: 'king-wa', status_on_submit: 'duplicate' }),
    ).toBe(1);
    expect(sampleValue(f, 'valuation_processing_duration_seconds_bucket', { county_id: 'king-wa', le: '5' })).toBe(1);
    expect(sampleValue(f, 'valuation_processing_duration_seconds_bucket', { county_id: 'king-wa', le: '2.5' })).toBe(0);
    expect(sampleValue(f, 'valuation_jobs_failed_total', { county_id: 'king-wa', failure_reason: 'other' })).toBe(1);
  });
});
