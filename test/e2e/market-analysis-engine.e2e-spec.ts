// The market-analysis engine on a synthetic demo county whose true market trend is known (TRUE_MODEL): price_trend
// must recover it within its confidence interval, through the job routes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { TRUE_MODEL } from '../../src/demo/hedonic-model.js';
import { ReportingEngine } from '../../src/reporting/reporting-engine.js';
import type { RatioStratum } from '../../src/reporting/ratio-study/ratio-study.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const analyst = authHeader({ role: 'analyst', sub: 'market-analyst', counties: ['demo-ma'] });
const COUNTY = 'demo-ma';

describe('Market analysis engine (demo county with a known trend)', () => {
  let t: TestApp;

  async function run(body: Record<string, unknown>): Promise<{ id: string; doc: Record<string, any>; result: any }> {
    const res = await t.request('POST', '/api/v1/market-analysis/run', {
      headers: analyst,
      body: { county_id: COUNTY, ...body },
    });
    expect(res.status).toBe(202);
    const id = res.json().job_id as string;
    const doc = await waitForJob(t, 'market-analysis', id, analyst, { expectOk: false });
    const result =
      doc.status === 'COMPLETED'
        ? (await t.request('GET', `/api/v1/market-analysis/results/${id}`, { headers: analyst })).json()
        : null;
    return { id, doc, result };
  }

  beforeAll(async () => {
    t = await createTestApp({ JOBS_POLL_INTERVAL_MS: '500', RATE_LIMIT_ENABLED: 'false' });
    await loadDemoCounty(t.db, { countyId: COUNTY, parcels: 6000, seed: 7 });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('price_trend recovers the true monthly rate within its 95% CI', async () => {
    const { doc, result } = await run({ analysis_type: 'price_trend', property_class: 'residential' });
    expect(doc.status).toBe('COMPLETED');
    const trend = result.trend;
    expect(trend.model).toBe('hedonic_fixed_effects');
    expect(trend.log_rate_ci[0]).toBeLessThan(TRUE_MODEL.monthlyTrend);
    expect(trend.log_rate_ci[1]).toBeGreaterThan(TRUE_MODEL.monthlyTrend);
    const trueMonthly = Math.expm1(TRUE_MODEL.monthlyTrend);
    expect(trend.ci[0]).toBeLessThan(trueMonthly);
    expect(trend.ci[1]).toBeGreaterThan(trueMonthly);
    // Precise enough to mean something: the CI is narrower than ±0.2 % a month.
    expect(trend.ci[1] - trend.ci[0]).toBeLessThan(0.004);
    expect(trend.annual_rate).toBeCloseTo(Math.expm1(12 * trend.monthly_log_rate), 12);

    // The default window: the 24 months ending with the month of the latest sale (sales end in December 2024).
    expect(result.months).toHaveLength(24);
    expect(result.months[0].month).toBe('2023-01');
    expect(result.months[23].month).toBe('2024-12');
    expect(result.months.reduce((a: number, m: { count: number }) => a + m.count, 0)).toBe(result.sale_count);
    expect(result.reference_month).toBe('2024-12');
    expect(result.adjustment_factors[23]).toEqual({ month: '2024-12', factor: 1 });
    expect(result.adjustment_factors[0].factor).toBeCloseTo(Math.exp(23 * trend.monthly_log_rate), 12);
  });

  it('neighborhood_comparison ranks neighborhoods with year-over-year change and the county figure', async () => {
    const { doc, result } = await run({ analysis_type: 'neighborhood_comparison' });
    expect(doc.status).toBe('COMPLETED');
    expect(result.window).toEqual({ from: '2024-01-01', to: result.window.to });
    expect(result.prior_window.from).toBe('2023-01-01');
    const ranked = result.neighborhoods.filter((n: { rank: number | null }) => n.rank !== null);
    expect(ranked.map((n: { rank: number }) => n.rank)).toEqual(ranked.map((_: unknown, i: number) => i + 1));
    const values = ranked.map((n: { median_price_per_sqft: number }) => n.median_price_per_sqft);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    expect(result.county.sale_count).toBe(
      result.neighborhoods.reduce((a: number, n: { sale_count: number }) => a + n.sale_count, 0),
    );
    // The market rises ≈ 6 % a year.
    expect(result.county.yoy_change).toBeGreaterThan(0);
    expect(result.county.yoy_change).toBeLessThan(0.15);
  });

  it('filters by neighborhoods and fails a too-small selection as insufficient_data', async () => {
    const { doc } = await run({
      analysis_type: 'price_trend',
      neighborhoods: ['Courthouse Square'],
      from: '2024-11-01',
      to: '2024-12-31',
    });
    expect(doc.status).toBe('FAILED');
    expect(doc.error.reason).toBe('insufficient_data');
    expect(doc.error.message).toMatch(
      /^only \d+ valid sales in [0-2] month\(s\) between 2024-11-01 and 2024-12-31 in county "demo-ma", neighborhoods Courthouse Square; a price trend needs at least 30 sales in 3 different months$/,
    );
  });

  it('time-adjusts the ratio study to the valuation date with the fitted trend', async () => {
    const engine = t.app.get(ReportingEngine, { strict: false });
    const noop = async () => undefined;
    const base = {
      jobId: 'x',
      countyId: COUNTY,
      taxYear: TRUE_MODEL.referenceTaxYear,
      reportType: 'ratio_study' as const,
    };
    const plain = await engine.run(base, noop);
    const adjusted = await engine.run({ ...base, timeAdjust: true }, noop);
    const adj = adjusted.time_adjustment as { monthly_log_rate: number; reference_date: string; trend_window: unknown };
    expect(adj.reference_date).toBe('2025-01-01');
    expect(adj.trend_window).toEqual({ from: '2023-01-01', to: '2024-12-31' });
    expect(Math.abs(adj.monthly_log_rate - TRUE_MODEL.monthlyTrend)).toBeLessThan(0.002);
    const m0 = (plain.strata as RatioStratum[])[0].untrimmed.median!;
    const m1 = (adjusted.strata as RatioStratum[])[0].untrimmed.median!;
    // 2024 sales are ~6 months before the valuation date on average: adjusted prices are ~3 % higher.
    expect(m1 / m0).toBeGreaterThan(0.95);
    expect(m1 / m0).toBeLessThan(0.995);
  });
});
