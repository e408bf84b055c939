import { describe, expect, it } from '@jest/globals';
import { TRUE_MODEL } from '../demo/hedonic-model.js';
import {
  calibrateCostApproach,
  costValues,
  depreciatedCost,
  effectiveLandArea,
  LandRates,
  MIN_COST_SALES,
} from './cost-approach.js';
import { demoSales } from './fixtures/demo-sales.js';
import { median } from '../statistics/order-statistics.js';
import { allocateColumns, classIndex, type ParcelBatch } from './valuation-data.js';
import { InsufficientDataError } from '../jobs/job-errors.js';

const RES = classIndex('residential');
const IND = classIndex('industrial');

describe('depreciated replacement cost', () => {
  it('follows the documented table and schedule', () => {
    // 2,000 sqft, quality 4 ($150), built 1985 (age 40), condition 2 (×1.2): 1 − 48/70 good.
    expect(depreciatedCost(RES, 2000, 1985, 4, 2, 2025)).toBeCloseTo(300_000 * (1 - 48 / 70), 6);
    // A century-old industrial building keeps the 25 % floor: 1,000 sqft × $70 × 0.25.
    expect(depreciatedCost(IND, 1000, 1925, 2, 3, 2025)).toBeCloseTo(17_500, 6);
    // New, excellent condition: no depreciation.
    expect(depreciatedCost(RES, 1000, 2025, 3, 5, 2025)).toBe(120_000);
    // Missing quality and year: average quality, 40 years, condition 3 → 1 − 40/70.
    expect(depreciatedCost(RES, 1000, NaN, NaN, NaN, 2025)).toBeCloseTo(120_000 * (1 - 40 / 70), 6);
    expect(depreciatedCost(RES, NaN, 2000, 3, 3, 2025)).toBe(0);
  });
});

describe('land schedule', () => {
  it('counts the typical lot at the full rate and excess land at a quarter', () => {
    expect(effectiveLandArea(8000, 10_000)).toBe(8000);
    expect(effectiveLandArea(50_000, 10_000)).toBe(10_000 + 0.25 * 40_000);
    expect(effectiveLandArea(NaN, 10_000)).toBe(0);
  });

  it('derives a median rate per neighborhood, floored, with a county fallback', () => {
    const names = ['A', 'B'];
    const c = allocateColumns(7, names);
    // Five sales in A with lots of 10,000 sqft, two in B.
    c.neighborhood.set([0, 0, 0, 0, 0, 1, 1]);
    c.landSqft.fill(10_000);
    const rows = [0, 1, 2, 3, 4, 5, 6];
    const land = [10_000, 20_000, 30_000, -5_000, 40_000, 1, 2];
    const price = [200_000, 200_000, 200_000, 200_000, 200_000, 100_000, 100_000];
    const rates = LandRates.fromSales(c, rows, land, price);
    expect(rates.rateOf('A')).toEqual({ ratePerSqft: 2, typicalLot: 10_000, sales: 5 });
    // B has too few sales: the county's rate, median of all 7 land values per sqft = 1 → floored at 10 % of
    // the median price per sqft (20) = 2.
    expect(rates.byNeighborhood.has('B')).toBe(false);
    expect(rates.rateOf('B')).toEqual({ ratePerSqft: 2, typicalLot: 10_000, sales: 7 });
    expect(rates.landValue('A', 30_000)).toBe(2 * (10_000 + 0.25 * 20_000));
  });
});

describe('calibrateCostApproach on the demo county', () => {
  const sales = demoSales(10_000, 5);
  const cal = calibrateCostApproach(sales, TRUE_MODEL.referenceTaxYear);

  it('estimates the market trend and brings each neighborhood median value/price ratio to 1', () => {
    expect(Math.abs(cal.monthlyTrend - TRUE_MODEL.monthlyTrend)).toBeLessThan(0.001);
    const big = [...cal.byNeighborhood].filter(([, r]) => r.n >= 5);
    expect(big.length).toBeGreaterThan(30);
    for (const [name, r] of big) expect({ name, near1: Math.abs(r.median - 1) < 0.02 }).toEqual({ name, near1: true });
    expect(cal.ratios.median).toBeGreaterThan(0.97);
    expect(cal.ratios.median).toBeLessThan(1.03);
    expect(cal.ratios.cod).toBeLessThan(25);
  });

  it('values a batch with the neighborhood market factor on land plus depreciated cost', () => {
    const names = [...sales.neighborhoods];
    const batch: ParcelBatch = { ...allocateColumns(1, names), keys: ['x'] };
    batch.neighborhood[0] = names.indexOf('Old Town');
    batch.propertyClass[0] = RES;
    batch.landSqft[0] = 6000;
    batch.buildingSqft[0] = 1500;
    batch.yearBuilt[0] = 1950;
    batch.quality[0] = 3;
    batch.condition[0] = 3;
    batch.bathrooms[0] = 1.5;
    const out = { land: new Float64Array(1), improvement: new Float64Array(1) };
    const basis = new Uint8Array(1);
    costValues(cal, batch, out, basis);
    const mf = cal.marketFactors.get('Old Town')!;
    expect(out.land[0]).toBe(Math.round(mf * cal.landRates.landValue('Old Town', 6000)));
    const total = Math.round(out.land[0] + mf * depreciatedCost(RES, 1500, 1950, 3, 3, 2025));
    expect(out.land[0] + out.improvement[0]).toBe(total);
    expect(basis[0]).toBe(1);
    expect(median(Array.from(cal.marketFactors.values()))).toBeGreaterThan(0);
  });

  it('refuses fewer than the minimum of sales', () => {
    const few = demoSales(100, 1);
    expect(few.size).toBeLessThan(MIN_COST_SALES);
    expect(() => calibrateCostApproach(few, 2025)).toThrow(InsufficientDataError);
    expect(() => calibrateCostApproach(few, 2025)).toThrow(
      new RegExp(`needs at least ${MIN_COST_SALES} valid sales .*; found ${few.size}`),
    );
  });
});
