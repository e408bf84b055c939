// The valuation engine against a real PostgreSQL on synthetic counties generated from TRUE_MODEL: recovery of
// the true coefficients, ratio-study quality, each job's values stored as a version of their own beside an
// untouched certified roll, the cost method's calibration, paging, and the failures a job platform maps to
// permanent reasons.
//
// Tolerance: each estimate must lie within 4 standard errors of the truth. The model is correctly specified
// (same terms, same age and month definitions as the generator), so estimate − truth is ≈ N(0, SE²); 4 SE is
// a 6e-5 two-sided tail per coefficient (≈ 0.3 % that any of ~50 strays by chance, and the seed is fixed),
// while the SEs on 20,000 parcels are small (ln_building_sqft ≈ 0.01) so a real bias is still caught.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { modelLogPrice, TRUE_MODEL } from '../../src/demo/hedonic-model.js';
import { InsufficientDataError } from '../../src/jobs/job-errors.js';
import {
  InvalidValuationInputError,
  ValuationEngine,
  type ValuationResult,
} from '../../src/valuation/valuation-engine.js';
import { ValuationEngineModule } from '../../src/valuation/valuation-engine.module.js';
import { LAND_SHARE_BAND } from '../../src/valuation/cost-approach.js';
import { MarketAnalysisEngine, MarketAnalysisEngineModule } from '../../src/market-analysis/market-analysis-engine.js';
import { ratioSummary } from '../../src/statistics/ratio-statistics.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const COUNTY = 'synth';
const PARCELS = 20_000;
const YEAR: number = TRUE_MODEL.referenceTaxYear;

describe('ValuationEngine (20,000-parcel synthetic county)', () => {
  let t: TestApp;
  let engine: ValuationEngine;
  const jobA = randomUUID();
  const jobCost = randomUUID();
  let regression: ValuationResult;
  const progressA: number[] = [];

  /** The versions stored for a county and year: job, parcel count, sum of totals. */
  const yearRows = async (county = COUNTY, year = YEAR) =>
    (
      await t.db.query<{ job_id: string; n: number; total: string }>(
        `SELECT v.job_id, count(*)::int AS n, sum(v.total_value)::text AS total
           FROM valuation_values v JOIN valuation_runs r ON r.job_id = v.job_id
          WHERE r.county_id = $1 AND r.tax_year = $2 GROUP BY v.job_id ORDER BY v.job_id`,
        [county, year],
      )
    ).rows;
  /** The certified roll of a county and year, as one digest of every row. */
  const certifiedDigest = async (county = COUNTY, year = YEAR) =>
    (
      await t.db.query<{ n: number; digest: string }>(
        `SELECT count(*)::int AS n, md5(string_agg(concat_ws('|', parcel_id, land_value, improvement_value,
                total_value, updated_at), ',' ORDER BY parcel_id)) AS digest
           FROM assessments WHERE county_id = $1 AND tax_year = $2`,
        [county, year],
      )
    ).rows[0];
  let certifiedBefore: { n: number; digest: string };

  beforeAll(async () => {
    t = await createTestApp({}, { imports: [ValuationEngineModule, MarketAnalysisEngineModule] });
    engine = t.app.get(ValuationEngine, { strict: false });
    await loadDemoCounty(t.db, { countyId: COUNTY, parcels: PARCELS, seed: 7 });
    await loadDemoCounty(t.db, { countyId: 'tiny', parcels: 60, seed: 3 });
    await loadDemoCounty(t.db, { countyId: 'demo42', parcels: PARCELS, seed: 42 });
    certifiedBefore = await certifiedDigest();
    regression = await engine.run({ jobId: jobA, countyId: COUNTY, taxYear: YEAR, method: 'regression' }, async (f) => {
      progressA.push(f);
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('recovers the true coefficients of the generator within 4 standard errors', () => {
    const d = regression.diagnostics;
    const coef = new Map(d.coefficients.map((c) => [c.term, c]));
    const truth: Record<string, number> = { ...TRUE_MODEL.coefficients, month_trend: TRUE_MODEL.monthlyTrend };
    const base = d.base_neighborhood!;
    const effects = TRUE_MODEL.neighborhoodEffects;
    truth.intercept = TRUE_MODEL.intercept + effects[base];
    for (const [name, effect] of Object.entries(effects)) {
      if (name !== base) truth[`nbhd:${name}`] = effect - effects[base];
    }
    // Every neighborhood has enough sales at this size: no pooled term, 9 + 39 terms.
    expect(d.coefficients.map((c) => c.term).sort()).toEqual(Object.keys(truth).sort());
    const misses = Object.entries(truth)
      .map(([term, value]) => ({ term, z: (coef.get(term)!.estimate - value) / coef.get(term)!.std_error }))
      .filter(({ z }) => !(Math.abs(z) <= 4));
    expect(misses).toEqual([]);
    expect(coef.get('ln_building_sqft')!.std_error).toBeLessThan(0.02);
    expect(coef.get('month_trend')!.std_error).toBeLessThan(0.0005);
    expect(d.time_trend_monthly).toBe(coef.get('month_trend')!.estimate);
  });

  it('reports an in-sample COD below 15, a PRD near 1 and the fit statistics', () => {
    const d = regression.diagnostics;
    expect(d.n_sales).toBeGreaterThan(4000);
    expect(d.cod).toBeLessThan(15);
    expect(d.cod).toBeGreaterThan(5); // σ = 0.13 cannot give a tighter fit: a COD near 0 would mean leakage
    expect(d.prd).toBeGreaterThanOrEqual(0.98);
    expect(d.prd).toBeLessThanOrEqual(1.03);
    expect(Math.abs(d.median_ratio - 1)).toBeLessThan(0.03);
    expect(d.r_squared).toBeGreaterThan(0.8);
    expect(d.residual_std_error).toBeCloseTo(TRUE_MODEL.sigma, 1);
    expect(d.smearing_factor).toBeGreaterThan(1);
    expect(d.smearing_factor).toBeLessThan(1.02);
    expect(d.sales_from).toBe('2022-01-01');
    expect(d.sales_to).toBe('2025-01-01');
    expect(d.lookback_months).toBe(36);
    expect(d.land_share).toBeCloseTo(0.15 / 0.7, 1);
  });

  it('reports progress in order, ending before the commit', () => {
    expect(progressA.slice(0, 2)).toEqual([0.1, 0.2]);
    // Parcels stream in batches of 8,192: a report after each batch that crosses a tenth (3 batches here).
    expect(progressA.slice(-2)).toEqual([0.9, 0.98]);
    expect(progressA.length).toBe(6);
    for (let i = 1; i < progressA.length; i++) expect(progressA[i]).toBeGreaterThan(progressA[i - 1]);
  });

  it("stores every parcel as the job's own version, leaving the certified roll byte for byte", async () => {
    const rows = await yearRows();
    expect(rows).toEqual([{ job_id: jobA, n: PARCELS, total: expect.any(String) as unknown as string }]);
    expect(Number(rows[0].total)).toBe(regression.summary.total_value);
    expect(certifiedBefore.n).toBe(PARCELS);
    expect(await certifiedDigest()).toEqual(certifiedBefore);
    const { rows: bad } = await t.db.query(
      `SELECT count(*)::int AS n FROM valuation_values WHERE job_id = $1
          AND (total_value <> land_value + improvement_value OR total_value <= 0)`,
      [jobA],
    );
    expect(bad[0].n).toBe(0);
  });

  it('summarises by property class and neighborhood consistently with the stored values', async () => {
    const s = regression.summary;
    expect(s.parcel_count).toBe(PARCELS);
    expect(s.total_value).toBe(s.land_value + s.improvement_value);
    expect(s.valued_by.market_model + s.valued_by.cost + s.valued_by.land_only).toBe(PARCELS);
    expect(s.stored_values).toBe(PARCELS);
    const { rows } = await t.db.query<{ property_class: string; n: number; total: string; median: number }>(
      `SELECT p.property_class, count(*)::int AS n, sum(a.total_value)::text AS total,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY a.total_value)::float8 AS median
         FROM valuation_values a JOIN parcels p ON p.county_id = $1 AND p.parcel_id = a.parcel_id
        WHERE a.job_id = $2 GROUP BY 1 ORDER BY 1`,
      [COUNTY, jobA],
    );
    const classes = [...regression.by_property_class].sort((a, b) => a.property_class.localeCompare(b.property_class));
    expect(
      classes.map((c) => ({
        property_class: c.property_class,
        n: c.parcel_count,
        total: c.total_value,
        median: c.median_value,
      })),
    ).toEqual(
      rows.map((r) => ({ property_class: r.property_class, n: r.n, total: Number(r.total), median: r.median })),
    );
    expect(regression.by_neighborhood).toHaveLength(40);
    expect(regression.by_neighborhood.reduce((sum, n) => sum + n.parcel_count, 0)).toBe(PARCELS);
    const residentialModel = s.valued_by.market_model;
    const residential = classes.find((c) => c.property_class === 'residential')!.parcel_count;
    expect(residentialModel).toBe(residential);
  });

  it('values improved residential parcels at the true market value at the valuation date (× smearing)', async () => {
    const { rows } = await t.db.query<{
      total: number;
      neighborhood: string;
      building_sqft: number;
      land_sqft: number;
      year_built: number;
      quality: number;
      condition: number;
      bathrooms: number;
    }>(
      `SELECT a.total_value::float8 AS total, p.neighborhood, p.building_sqft, p.land_sqft, p.year_built, p.quality,
              p.condition, p.bathrooms
         FROM valuation_values a JOIN parcels p ON p.county_id = $1 AND p.parcel_id = a.parcel_id
        WHERE a.job_id = $2 AND p.property_class = 'residential'`,
      [COUNTY, jobA],
    );
    const ratios = rows
      .map(
        (r) =>
          r.total /
          Math.exp(
            modelLogPrice({
              buildingSqft: r.building_sqft,
              landSqft: r.land_sqft,
              yearBuilt: r.year_built,
              quality: r.quality,
              condition: r.condition,
              bathrooms: r.bathrooms,
              neighborhood: r.neighborhood,
            }),
          ),
      )
      .sort((a, b) => a - b);
    const medianRatio = ratios[ratios.length >> 1];
    // Estimation error only (no sale noise): the values track the truth within a few percent everywhere.
    expect(Math.abs(medianRatio - regression.diagnostics.smearing_factor!)).toBeLessThan(0.01);
    expect(ratios[Math.floor(ratios.length * 0.01)]).toBeGreaterThan(0.93);
    expect(ratios[Math.floor(ratios.length * 0.99)]).toBeLessThan(1.08);
  });

  it('stores nothing of a run cancelled half-way, or at the last step', async () => {
    const jobB = randomUUID();
    const cancelled = new Error('job cancelled');
    const run = engine.run({ jobId: jobB, countyId: COUNTY, taxYear: YEAR, method: 'regression' }, async (f) => {
      if (f >= 0.5) throw cancelled;
    });
    await expect(run).rejects.toBe(cancelled);
    expect((await yearRows()).map((r) => [r.job_id, r.n])).toEqual([[jobA, PARCELS]]);
    expect(await engine.listParcelValues(jobB, 10)).toEqual({ items: [], next_cursor: null });
    // A cancellation at the very last step (after the swap, before the commit) leaves them too.
    const late = engine.run({ jobId: jobB, countyId: COUNTY, taxYear: YEAR, method: 'regression' }, async (f) => {
      if (f >= 0.98) throw cancelled;
    });
    await expect(late).rejects.toBe(cancelled);
    expect((await yearRows()).map((r) => [r.job_id, r.n])).toEqual([[jobA, PARCELS]]);
    const { rows } = await t.db.query('SELECT 1 FROM valuation_runs WHERE job_id = $1', [jobB]);
    expect(rows).toEqual([]);
  });

  describe('a cost-method run beside the regression values', () => {
    let cost: ValuationResult;
    beforeAll(async () => {
      cost = await engine.run({ jobId: jobCost, countyId: COUNTY, taxYear: YEAR, method: 'cost' }, async () => {});
    }, 60_000);

    it('stores a second version, keeping the first and the certified roll', async () => {
      expect((await yearRows()).map((r) => [r.job_id, r.n]).sort()).toEqual(
        [
          [jobA, PARCELS],
          [jobCost, PARCELS],
        ].sort(),
      );
      expect(cost.summary.stored_values).toBe(PARCELS);
      expect(cost.diagnostics.coefficients).toEqual([]);
      expect(cost.diagnostics.r_squared).toBeNull();
      expect((await engine.listParcelValues(jobA, 10)).items).toHaveLength(10);
      expect(await certifiedDigest()).toEqual(certifiedBefore);
    });

    it('brings the median sale/value ratio of every neighborhood to 1 (within 0.05), from the stored values', async () => {
      const trend = cost.diagnostics.time_trend_monthly;
      expect(Math.abs(trend - TRUE_MODEL.monthlyTrend)).toBeLessThan(0.001);
      const { rows } = await t.db.query<{ neighborhood: string; n: number; median: number }>(
        `SELECT p.neighborhood, count(*)::int AS n,
                percentile_cont(0.5) WITHIN GROUP (
                  ORDER BY s.sale_price::float8 * exp(-$3::float8 * (s.sale_date - DATE '2025-01-01') / (365.25 / 12))
                           / a.total_value::float8)::float8 AS median
           FROM sales s
           JOIN parcels p ON p.county_id = s.county_id AND p.parcel_id = s.parcel_id
           JOIN valuation_values a ON a.job_id = $2 AND a.parcel_id = s.parcel_id
          WHERE s.county_id = $1 AND s.is_valid AND s.sale_date >= DATE '2022-01-01'
          GROUP BY 1`,
        [COUNTY, jobCost, trend],
      );
      const calibrated = rows.filter((r) => r.n >= 5);
      expect(calibrated.length).toBe(40);
      const off = calibrated.filter((r) => Math.abs(r.median - 1) > 0.05);
      expect(off).toEqual([]);
      for (const n of cost.by_neighborhood) {
        expect(n.market_factor).toBeGreaterThan(0);
        expect(n.land_rate_per_sqft).toBeGreaterThan(0);
      }
    });

    it('values improved residential parcels near their true market value, land within the band (seeds 7 and 42)', async () => {
      const otherJob = randomUUID();
      const other = await engine.run(
        { jobId: otherJob, countyId: 'demo42', taxYear: YEAR, method: 'cost' },
        async () => {},
      );
      for (const [county, job, result] of [
        [COUNTY, jobCost, cost],
        ['demo42', otherJob, other],
      ] as const) {
        const rows = await storedResidentialValues(t, county, job);
        const ratios = ratioSummary(
          rows.map((r) => r.total),
          rows.map((r) => r.trueValue),
        );
        expect({ county, medianOk: ratios.median >= 0.95 && ratios.median <= 1.05, codOk: ratios.cod <= 15 }).toEqual({
          county,
          medianOk: true,
          codOk: true,
        });
        const shares = rows.map((r) => r.land / r.total);
        // Whole dollars: a share may pass the band by the rounding of land and total.
        expect(Math.min(...shares)).toBeGreaterThan(LAND_SHARE_BAND.min - 1e-4);
        expect(Math.max(...shares)).toBeLessThan(LAND_SHARE_BAND.max + 1e-4);
        expect(result.summary.valued_by.cost).toBeGreaterThan(rows.length - 1);
      }
    });

    it('time-adjusts with the trend price_trend reports on the same sales', async () => {
      const market = t.app.get(MarketAnalysisEngine, { strict: false });
      const d = cost.diagnostics;
      const trendResult = await market.run(
        { jobId: 'x', countyId: COUNTY, analysisType: 'price_trend', from: d.sales_from, to: d.sales_to },
        async () => {},
      );
      const trend = trendResult.trend as { monthly_log_rate: number; log_rate_ci: [number, number]; n: number };
      expect(d.time_trend_monthly).toBeCloseTo(trend.monthly_log_rate, 8);
      expect(d.time_trend_monthly).toBeGreaterThan(trend.log_rate_ci[0]);
      expect(d.time_trend_monthly).toBeLessThan(trend.log_rate_ci[1]);
      expect(trend.n).toBe(d.n_sales);
    });

    it('pages through every parcel exactly once', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await engine.listParcelValues(jobCost, 997, cursor);
        pages += 1;
        for (const item of page.items) {
          expect(item.total_value).toBe(item.land_value + item.improvement_value);
          seen.push(item.parcel_id);
        }
        cursor = page.next_cursor ?? undefined;
        if (cursor) expect(page.items).toHaveLength(997);
      } while (cursor);
      expect(pages).toBe(Math.ceil(PARCELS / 997));
      expect(seen).toHaveLength(PARCELS);
      expect(new Set(seen).size).toBe(PARCELS);
      expect([...seen].sort()).toEqual(seen);
      const first = await engine.listParcelValues(jobCost, 2);
      const { rows } = await t.db.query(
        `SELECT parcel_id, land_value::float8 AS land_value, improvement_value::float8 AS improvement_value,
                total_value::float8 AS total_value
           FROM valuation_values WHERE job_id = $1 ORDER BY parcel_id LIMIT 2`,
        [jobCost],
      );
      expect(first.items).toEqual(rows);
      await expect(engine.listParcelValues(jobCost, 10, 'not-a-cursor')).rejects.toThrow(
        new InvalidValuationInputError('cursor is not one this service issued'),
      );
    });

    it('values only the named neighborhoods when asked, as a version of those parcels only', async () => {
      const jobD = randomUUID();
      const result = await engine.run(
        { jobId: jobD, countyId: COUNTY, taxYear: YEAR, method: 'regression', neighborhoods: ['Old Town', 'Oak Hill'] },
        async () => {},
      );
      const { rows } = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM parcels WHERE county_id = $1 AND neighborhood IN ('Old Town', 'Oak Hill')`,
        [COUNTY],
      );
      expect(result.summary.parcel_count).toBe(rows[0].n);
      expect(result.neighborhoods).toEqual(['Oak Hill', 'Old Town']);
      expect(result.by_neighborhood.map((n) => n.neighborhood)).toEqual(['Oak Hill', 'Old Town']);
      expect((await yearRows()).map((r) => [r.job_id, r.n]).sort()).toEqual(
        [
          [jobA, PARCELS],
          [jobCost, PARCELS],
          [jobD, rows[0].n],
        ].sort(),
      );
    });
  });

  it('values a tax year that has no certified roll yet', async () => {
    const job = randomUUID();
    expect(await yearRows(COUNTY, YEAR + 1)).toEqual([]);
    const result = await engine.run(
      { jobId: job, countyId: COUNTY, taxYear: YEAR + 1, method: 'regression' },
      async () => {},
    );
    expect(result.valuation_date).toBe('2026-01-01');
    expect(result.diagnostics.sales_from).toBe('2023-01-01');
    expect(result.summary.stored_values).toBe(PARCELS);
    expect((await yearRows(COUNTY, YEAR + 1)).map((r) => [r.job_id, r.n])).toEqual([[job, PARCELS]]);
    // Twelve months of trend later, the county is worth more.
    expect(result.summary.total_value).toBeGreaterThan(regression.summary.total_value * 1.03);
  });

  describe('failures', () => {
    it('refuses too few sales with insufficient data, changing nothing', async () => {
      const before = await yearRows('tiny');
      const run = (method: 'cost' | 'regression') =>
        engine.run({ jobId: randomUUID(), countyId: 'tiny', taxYear: YEAR, method }, async () => {});
      await expect(run('regression')).rejects.toThrow(InsufficientDataError);
      await expect(run('regression')).rejects.toThrow(/needs at least \d+ valid sales of improved residential parcels/);
      await expect(run('cost')).rejects.toThrow(/the cost method needs at least 30 valid sales .*; found \d+/);
      // No sales in the window before 1990.
      await expect(
        engine.run({ jobId: randomUUID(), countyId: COUNTY, taxYear: 1990, method: 'regression' }, async () => {}),
      ).rejects.toThrow(/found 0$/);
      expect(await yearRows('tiny')).toEqual(before);
    });

    it('refuses input that cannot describe a valuation', async () => {
      const base = { jobId: randomUUID(), countyId: COUNTY, taxYear: YEAR, method: 'regression' as const };
      const noop = async () => {};
      await expect(engine.run({ ...base, countyId: 'nowhere' }, noop)).rejects.toThrow(
        new InvalidValuationInputError('county "nowhere" does not exist'),
      );
      await expect(engine.run({ ...base, neighborhoods: ['Old Town', 'Atlantis'] }, noop)).rejects.toThrow(
        new InvalidValuationInputError('county "synth" has no parcels in neighborhood(s) "Atlantis"'),
      );
      await expect(engine.run({ ...base, valuationDate: '2025-02-30' }, noop)).rejects.toThrow(
        new InvalidValuationInputError('valuationDate "2025-02-30" must be a date YYYY-MM-DD'),
      );
      await expect(engine.run({ ...base, jobId: 'job-1', neighborhoods: [] }, noop)).rejects.toThrow(
        new InvalidValuationInputError(
          'jobId must be a UUID; neighborhoods must be a non-empty list of neighborhood names',
        ),
      );
      await expect(engine.listParcelValues(randomUUID(), 0)).rejects.toThrow(
        new InvalidValuationInputError('limit must be a whole number from 1 to 1000'),
      );
    });
  });
});

/** A version's values of the improved residential parcels with TRUE_MODEL's market value at the valuation date. */
async function storedResidentialValues(t: TestApp, county: string, jobId: string) {
  const { rows } = await t.db.query<{
    land: number;
    total: number;
    neighborhood: string;
    building_sqft: number;
    land_sqft: number;
    year_built: number;
    quality: number;
    condition: number;
    bathrooms: number;
  }>(
    `SELECT a.land_value::float8 AS land, a.total_value::float8 AS total, p.neighborhood, p.building_sqft,
            p.land_sqft, p.year_built, p.quality, p.condition, p.bathrooms::float8 AS bathrooms
       FROM valuation_values a JOIN parcels p ON p.county_id = $1 AND p.parcel_id = a.parcel_id
      WHERE a.job_id = $2 AND p.property_class = 'residential' AND p.building_sqft > 0`,
    [county, jobId],
  );
  return rows.map((r) => ({
    land: r.land,
    total: r.total,
    trueValue: Math.exp(
      modelLogPrice({
        buildingSqft: r.building_sqft,
        landSqft: r.land_sqft,
        yearBuilt: r.year_built,
        quality: r.quality,
        condition: r.condition,
        bathrooms: r.bathrooms,
        neighborhood: r.neighborhood,
      }),
    ),
  }));
}
