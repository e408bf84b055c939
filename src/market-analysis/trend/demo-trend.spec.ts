// The default price_trend (the 24 months ending with the month of the latest sale) on demo counties of several
// seeds: the generator's true monthly rate must lie inside the trend's 95% CI, and the estimates must not lean
// one way across seeds.
//
// The seed-42 demo county is the exception worth knowing: its 24-month estimate is 0.00612 [0.00544, 0.00681]
// against a true 0.005. That is not the estimator: regressing the generator's own noise (ln price minus the
// model's log price) of the same sales on the sale month gives the same excess slope, so the whole deviation is
// the noise that county happened to draw (about 3 standard errors). The estimate over all 36 months of its sales
// is 0.00512 ± 0.00018. Across seeds the estimator is unbiased and its CI has its nominal coverage: over seeds
// 0–199 of 20,000 parcels the mean error is −0.00004 a month (standard error 0.00002) and 10 of the 200 CIs
// miss the truth. The generator draws each sale's date and noise independently (no dependence of either on
// the characteristics), and the trend model has the generator's own terms.
import { describe, expect, it } from '@jest/globals';
import { DemoCounty } from '../../demo/generator.js';
import { modelLogPrice, monthsFromReference, TRUE_MODEL } from '../../demo/hedonic-model.js';
import { dayNumber, firstDayOfMonth, monthOfDay } from '../../statistics/calendar.js';
import { fitWithinOls } from '../../statistics/fixed-effects-least-squares.js';
import { fitMarketTrend, type MarketTrend } from '../../statistics/market-trend.js';
import { saleColumns, type SaleRow } from '../../statistics/sale-columns.js';
import { DEFAULT_TREND_MONTHS } from '../market-analysis-engine.js';

const TRUE_RATE = TRUE_MODEL.monthlyTrend;

/** The default price_trend of a demo county, and the slope of the generator's noise on the sale month. */
function defaultTrend(parcels: number, seed: number): { trend: MarketTrend; noiseSlope: number } {
  const rows: (SaleRow & { noise: number; months: number })[] = [];
  for (const { parcel: p, sales } of new DemoCounty({ parcels, seed }).records()) {
    for (const s of sales) {
      if (!s.isValid) continue;
      const months = monthsFromReference(s.saleDate);
      const features = {
        buildingSqft: p.buildingSqft!,
        landSqft: p.landSqft,
        yearBuilt: p.yearBuilt!,
        quality: p.quality!,
        condition: p.condition!,
        bathrooms: p.bathrooms!,
        neighborhood: p.neighborhood,
      };
      rows.push({
        day: dayNumber(s.saleDate),
        price: s.salePrice,
        building_sqft: p.buildingSqft,
        land_sqft: p.landSqft,
        year_built: p.yearBuilt,
        quality: p.quality,
        condition: p.condition,
        bathrooms: p.bathrooms,
        neighborhood: p.neighborhood,
        property_class: p.propertyClass,
        noise: Math.log(s.salePrice) - modelLogPrice(features, months),
        months,
      });
    }
  }
  const latest = Math.max(...rows.map((r) => r.day));
  const from = firstDayOfMonth(monthOfDay(latest) - (DEFAULT_TREND_MONTHS - 1));
  const window = rows.filter((r) => r.day >= from && r.day <= latest);
  const trend = fitMarketTrend(saleColumns(window), latest)!;
  const noise = fitWithinOls(
    Float64Array.from(window, (r) => r.noise),
    [{ name: 'month', values: Float64Array.from(window, (r) => r.months) }],
    new Int32Array(window.length),
  )!;
  return { trend, noiseSlope: noise.coefficients[0] };
}

describe('default price_trend of demo counties', () => {
  it('holds the true monthly rate inside its 95% CI for seeds 1–5, with a small mean bias', () => {
    const fits = [1, 2, 3, 4, 5].map((seed) => ({ seed, ...defaultTrend(20_000, seed).trend }));
    for (const f of fits) {
      expect({ seed: f.seed, inside: f.log_rate_ci[0] < TRUE_RATE && TRUE_RATE < f.log_rate_ci[1] }).toEqual({
        seed: f.seed,
        inside: true,
      });
      expect(f.model).toBe('hedonic_fixed_effects');
    }
    const bias = fits.reduce((s, f) => s + f.monthly_log_rate - TRUE_RATE, 0) / fits.length;
    const se = fits.reduce((s, f) => s + f.log_std_error, 0) / fits.length;
    // The mean of 5 independent estimates has a standard error of se / √5 ≈ 0.00015.
    expect(Math.abs(bias)).toBeLessThan((2.5 * se) / Math.sqrt(fits.length));
  });

  it('covers the true rate at its nominal rate across 24 seeds, without a lean', () => {
    const z = Array.from({ length: 24 }, (_, k) => {
      const { trend } = defaultTrend(8000, 100 + k);
      return (trend.monthly_log_rate - TRUE_RATE) / trend.log_std_error;
    });
    const covered = z.filter((v) => Math.abs(v) < 1.96).length;
    // 95% coverage: at least 20 of 24 (below is a binomial tail under 1 %); mean z within ±3/√24 of 0.
    expect(covered).toBeGreaterThanOrEqual(20);
    expect(Math.abs(z.reduce((s, v) => s + v, 0) / z.length)).toBeLessThan(3 / Math.sqrt(z.length));
  });

  it('owes the seed-42 deviation to its noise draw, not to the estimator', () => {
    const { trend, noiseSlope } = defaultTrend(20_000, 42);
    // The excess of the estimate over the truth is the noise's own slope on the sale month, within a tenth of
    // a standard error: the characteristics, fixed effects and window take nothing away or add nothing.
    expect(Math.abs(trend.monthly_log_rate - TRUE_RATE - noiseSlope)).toBeLessThan(0.1 * trend.log_std_error);
    expect(noiseSlope / trend.log_std_error).toBeGreaterThan(2.5);
  });
});
