import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { AUTH_METRIC_PROVIDERS, AUTH_METRICS, type AuthMetrics } from '../auth/auth-metrics.js';
import { CALLBACK_METRIC_PROVIDERS, CallbackMetrics } from '../jobs/callbacks/callback-metrics.js';
import { JobMetricFamily, jobMetricProviders, Timed } from './decorators/index.js';
import { jobMetricsToken } from './decorators/job-metric-family.decorator.js';
import { parseExposition, sampleValue, type Family } from './exposition-parser.js';
import type { JobMetrics } from './job-metrics.js';
import { JOB_FAMILIES, jobFamilyDefs } from './metric-names.js';
import { MetricsService } from './metrics.service.js';
import { METRICS_PROVIDERS } from './observability.module.js';

@JobMetricFamily(JOB_FAMILIES.reporting)
@Injectable()
class ReportWorker {
  @Timed({ module: 'reporting', stage: 'compute' })
  async compute(fail: boolean): Promise<string> {
    await new Promise((r) => setTimeout(r, 20));
    if (fail) throw new Error('singular matrix');
    return 'ok';
  }

  @Timed({ module: 'reporting', stage: 'load' })
  parse(input: string): number {
    if (input === '') throw new Error('empty');
    return input.length;
  }
}

@JobMetricFamily(JOB_FAMILIES.valuation)
class ValuationWorker {}

@Module({
  providers: [
    ...METRICS_PROVIDERS,
    ...AUTH_METRIC_PROVIDERS,
    ...CALLBACK_METRIC_PROVIDERS,
    ReportWorker,
    ...jobMetricProviders(ReportWorker),
    ...jobMetricProviders(ValuationWorker),
  ],
})
class MetricsSpecModule {}

/** Every family of the app except those whose owners need a database (jobs_*, gis_export_*). */
async function compile(): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [MetricsSpecModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('MetricsService', () => {
  let moduleRef: TestingModule;
  let metrics: MetricsService;
  const scrape = async (): Promise<Map<string, Family>> => parseExposition(await metrics.render());

  beforeEach(async () => {
    moduleRef = await compile();
    metrics = moduleRef.get(MetricsService);
  });
  afterEach(() => moduleRef.close());

  it('exposes every catalogue family with HELP and TYPE, build info, and no _total gauges', async () => {
    const families = await scrape();
    const names = [
      'http_requests_total',
      'http_request_duration_seconds',
      'http_requests_in_flight',
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
      'job_stage_duration_seconds',
      ...(['valuation', 'reporting'] as const).flatMap((m) =>
        Object.values(jobFamilyDefs(JOB_FAMILIES[m])).map((d) => d.name),
      ),
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
    const auth = moduleRef.get<AuthMetrics>(AUTH_METRICS);
    const outbound = moduleRef.get(CallbackMetrics);
    auth.recordAuthAttempt('expired');
    auth.recordAuthAttempt('<script>' as never);
    auth.recordAuthzDenied('valuation:execute');
    auth.recordAuthzDenied('root:everything');
    auth.recordRateLimited('subject');
    metrics.recordError(409, '/api/v1/valuation/jobs/:job_id/cancel');
    metrics.recordError(418, undefined);
    outbound.recordExternalCall('webhook', 'callback', 503, 0.2);
    outbound.recordExternalCall('webhook', 'callback', 'timeout', 5);
    outbound.setCircuitState('webhook', 'open');
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

  it('reads pool gauges at scrape time and keeps a scrape alive when a refresher fails', async () => {
    const pool = { totalCount: 7, idleCount: 3, waitingCount: 2 };
    metrics.setPoolStats(() => pool);
    metrics.addScrapeRefresher(() => {
      throw new Error('database down');
    });
    let f = await scrape();
    expect([
      sampleValue(f, 'db_connections_active'),
      sampleValue(f, 'db_connections_idle'),
      sampleValue(f, 'db_connections_waiting'),
    ]).toEqual([4, 3, 2]);
    pool.idleCount = 7;
    f = await scrape();
    expect(sampleValue(f, 'db_connections_active')).toBe(0);
  });
});

describe('metric decorators', () => {
  let moduleRef: TestingModule;
  let metrics: MetricsService;
  const scrape = async () => parseExposition(await metrics.render());

  beforeEach(async () => {
    moduleRef = await compile();
    metrics = moduleRef.get(MetricsService);
  });
  afterEach(() => moduleRef.close());

  it('@Timed times async and sync stages into job_stage_duration_seconds and passes results and errors through', async () => {
    const w = moduleRef.get(ReportWorker);
    await expect(w.compute(false)).resolves.toBe('ok');
    await expect(w.compute(true)).rejects.toThrow('singular matrix');
    expect(w.parse('abc')).toBe(3);
    expect(() => w.parse('')).toThrow('empty');
    const f = await scrape();
    expect(sampleValue(f, 'job_stage_duration_seconds_count', { module: 'reporting', stage: 'compute' })).toBe(2);
    expect(
      sampleValue(f, 'job_stage_duration_seconds_sum', { module: 'reporting', stage: 'compute' }),
    ).toBeGreaterThanOrEqual(0.03);
    expect(sampleValue(f, 'job_stage_duration_seconds_count', { module: 'reporting', stage: 'load' })).toBe(2);
  });

  it('@Timed refuses stages outside the catalogue, and runs unmeasured without an app', async () => {
    expect(() => Timed({ module: 'reporting', stage: 'guess' as never })).toThrow(/unknown module\/stage/);
    const w = moduleRef.get(ReportWorker);
    await moduleRef.close();
    expect(w.parse('abcd')).toBe(4);
    moduleRef = await compile();
    metrics = moduleRef.get(MetricsService);
    expect(
      sampleValue(await scrape(), 'job_stage_duration_seconds_count', { module: 'reporting', stage: 'load' }),
    ).toBeUndefined();
  });

  it('@JobMetricFamily declares the family its module registers and the recorder bounds labels', async () => {
    const report = moduleRef.get<JobMetrics>(jobMetricsToken('reporting'));
    expect(report.family).toBe(JOB_FAMILIES.reporting);
    report.submitted({ countyId: 'demo', kind: 'ratio_study', statusOnSubmit: 'accepted' });
    report.submitted({ countyId: 'bad!', kind: 'ratio_study', statusOnSubmit: 'rejected' });
    report.submitted({ countyId: 'demo', kind: 'pie_chart', statusOnSubmit: 'accepted' });
    report.completed({ countyId: 'demo', kind: 'ratio_study' }, 0.7);
    report.failed({ countyId: 'demo', kind: 'ratio_study', reason: 'insufficient_data' });
    const valuation = moduleRef.get<JobMetrics>(jobMetricsToken('valuation'));
    valuation.submitted({ countyId: 'king-wa', statusOnSubmit: 'DUPLICATE' });
    valuation.completed({ countyId: 'king-wa' }, 3.2);
    valuation.failed({ countyId: 'king-wa', reason: 'meteor' });
    const f = await scrape();
    const submitted = (labels: Record<string, string>) => sampleValue(f, 'report_jobs_submitted_total', labels);
    expect(submitted({ county_id: 'demo', status_on_submit: 'accepted', report_type: 'ratio_study' })).toBe(1);
    expect(submitted({ county_id: 'other', status_on_submit: 'rejected', report_type: 'ratio_study' })).toBe(1);
    expect(submitted({ county_id: 'demo', status_on_submit: 'accepted', report_type: 'other' })).toBe(1);
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
      sampleValue(f, 'valuation_jobs_submitted_total', { county_id: 'king-wa', status_on_submit: 'duplicate' }),
    ).toBe(1);
    expect(sampleValue(f, 'valuation_processing_duration_seconds_bucket', { county_id: 'king-wa', le: '5' })).toBe(1);
    expect(sampleValue(f, 'valuation_processing_duration_seconds_bucket', { county_id: 'king-wa', le: '2.5' })).toBe(0);
    expect(sampleValue(f, 'valuation_jobs_failed_total', { county_id: 'king-wa', failure_reason: 'other' })).toBe(1);
  });

  it('a module without a declared family cannot register one', () => {
    class Plain {}
    expect(() => jobMetricProviders(Plain)).toThrow(/declares no @JobMetricFamily/);
  });
});
