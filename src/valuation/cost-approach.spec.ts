import { describe, expect, it } from '@jest/globals';
import { TRUE_MODEL } from '../demo/hedonic-model.js';
import {
  calibrateCostApproach,
  costValues,
  depreciatedCost,
  effectiveLandArea,
  LAND_SHARE_BAND,
  LandRates,
  MIN_COST_SALES,
  withinLandShareBand,
} from './cost-approach.js';
import { demoResidentialParcels, demoSales } from './fixtures/demo-sales.js';
import { dayNumber } from '../statistics/calendar.js';
import { fitMarketTrend } from '../statistics/market-trend.js';
import { ratioSummary } from '../statistics/ratio-statistics.js';
import { saleColumns, type SaleRow } from '../statistics/sale-columns.js';
import { allocateColumns, classIndex, type ParcelBatch, type SalesSample } from './valuation-data.js';
import { InsufficientDataError } from '../jobs/job-errors.js';

const RES = classIndex('residential');
const IND = classIndex('industrial');
const VAC = classIndex('vacant');

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

  it('takes the time trend from the price_trend estimator on the same sales', () => {
    const reference = dayNumber(TRUE_MODEL.referenceDate);
    const rows: SaleRow[] = Array.from({ length: sales.size }, (_, i) => ({
      day: reference + Math.round(sales.days[i]),
      price: sales.price[i],
      building_sqft: sales.buildingSqft[i],
      land_sqft: sales.landSqft[i],
      year_built: sales.yearBuilt[i],
      quality: sales.quality[i],
      condition: sales.condition[i],
      bathrooms: sales.bathrooms[i],
      neighborhood: sales.neighborhoods[sales.neighborhood[i]],
      property_class: 'residential',
    }));
    const trend = fitMarketTrend(saleColumns(rows), reference)!;
    expect(trend.model).toBe('hedonic_fixed_effects');
    expect(cal.trend!.monthly_log_rate).toBeCloseTo(trend.monthly_log_rate, 12);
    expect(cal.monthlyTrend).toBe(cal.trend!.monthly_log_rate);
    expect(cal.trend!.log_rate_ci[0]).toBeLessThan(TRUE_MODEL.monthlyTrend);
    expect(cal.trend!.log_rate_ci[1]).toBeGreaterThan(TRUE_MODEL.monthlyTrend);
  });

  it('brings each neighborhood median value/price ratio to 1', () => {
    const big = [...cal.byNeighborhood].filter(([, r]) => r.n >= 5);
    expect(big.length).toBeGreaterThan(30);
    for (const [name, r] of big) expect({ name, near1: Math.abs(r.median - 1) < 0.02 }).toEqual({ name, near1: true });
    expect(cal.ratios.median).toBeGreaterThan(0.97);
    expect(cal.ratios.median).toBeLessThan(1.03);
    expect(cal.ratios.cod).toBeLessThan(20);
    // No land-only sales in the demo county: land comes from extraction (the county's rate for small neighborhoods).
    for (const [name, source] of cal.landRateSources) {
      expect({ name, source }).toEqual({
        name,
        source: cal.byNeighborhood.get(name)!.n >= 5 ? 'extraction' : 'county',
      });
    }
  });

  it('values a batch: land at the rate, improvements at the factor times depreciated cost, land within the band', () => {
    const names = [...sales.neighborhoods];
    const batch: ParcelBatch = { ...allocateColumns(2, names), keys: ['x', 'y'] };
    batch.neighborhood.fill(names.indexOf('Old Town'));
    batch.propertyClass.set([RES, IND]);
    batch.landSqft.set([6000, 30_000]);
    batch.buildingSqft.set([1500, 8000]);
    batch.yearBuilt.set([1950, 1990]);
    batch.quality.set([3, 3]);
    batch.condition.set([3, 3]);
    batch.bathrooms.set([1.5, 2]);
    const out = { land: new Float64Array(2), improvement: new Float64Array(2) };
    const basis = new Uint8Array(2);
    costValues(cal, batch, out, basis);
    const mf = cal.marketFactors.get('Old Town')!;
    const land = cal.landRates.landValue('Old Town', 6000);
    const building = mf * depreciatedCost(RES, 1500, 1950, 3, 3, 2025);
    const [boundedLand] = withinLandShareBand(land, building);
    expect(out.land[0]).toBe(Math.round(boundedLand));
    expect(out.land[0] + out.improvement[0]).toBe(Math.round(land + building));
    expect(out.land[0] / (out.land[0] + out.improvement[0])).toBeLessThanOrEqual(LAND_SHARE_BAND.max + 1e-5);
    // Other classes keep the land the rate gives.
    expect(out.land[1]).toBe(Math.round(cal.landRates.landValue('Old Town', 30_000)));
    expect(out.improvement[1]).toBe(
      Math.round(out.land[1] + mf * depreciatedCost(IND, 8000, 1990, 3, 3, 2025)) - out.land[1],
    );
    expect([...basis]).toEqual([1, 1]);
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

describe('land from land-only sales and extraction', () => {
  // Two neighborhoods of 20 improved sales each (2,000 sqft, quality 3, built 2000, 10,000 sqft lots, $400,000),
  // and `landSales` land-only sales of 10,000 sqft lots in each: A's at $60,000, B's at $300,000 — more than its
  // houses leave to land. All sales on one day: no trend can be fitted, prices are taken as they are.
  const sample = (landSales: number): SalesSample => {
    const per = 20 + landSales;
    const c = allocateColumns(2 * per, ['A', 'B']);
    const price = new Float64Array(c.size);
    for (let i = 0; i < c.size; i++) {
      const nb = i < per ? 0 : 1;
      const landOnly = i % per >= 20;
      c.neighborhood[i] = nb;
      c.propertyClass[i] = landOnly ? VAC : RES;
      c.landSqft[i] = 10_000;
      c.buildingSqft[i] = landOnly ? NaN : 2000;
      c.yearBuilt[i] = landOnly ? NaN : 2000;
      c.quality[i] = landOnly ? NaN : 3;
      c.condition[i] = landOnly ? NaN : 3;
      c.bathrooms[i] = landOnly ? NaN : 2;
      price[i] = landOnly ? (nb === 0 ? 60_000 : 300_000) : 400_000;
    }
    return { ...c, price, days: new Float64Array(c.size).fill(-30) };
  };
  const house = depreciatedCost(RES, 2000, 2000, 3, 3, 2025);

  it('prices land from land sales, capped at what the improved sales support', () => {
    const cal = calibrateCostApproach(sample(6), 2025);
    expect(cal.trend).toBeNull();
    expect(cal.monthlyTrend).toBe(0);
    expect(cal.landRateSources.get('A')).toBe('land_sales');
    expect(cal.landRates.rateOf('A').ratePerSqft).toBeCloseTo(6, 10);
    // B's land sales ($30/sqft) exceed the band's share of its houses' price per sqft: 0.40 × $40.
    expect(cal.landRateSources.get('B')).toBe('land_sales');
    expect(cal.landRates.rateOf('B').ratePerSqft).toBeCloseTo(LAND_SHARE_BAND.max * 40, 10);
    // The improvement factor brings the houses' median ratio to 1 over their own land.
    expect(cal.marketFactors.get('A')! * house + 60_000).toBeCloseTo(400_000, 0);
    expect(cal.marketFactors.get('B')! * house + 160_000).toBeCloseTo(400_000, 0);
  });

  it('extracts land from improved sales when land sales are too few, bounded to the band of each price', () => {
    const cal = calibrateCostApproach(sample(2), 2025);
    expect(cal.landRateSources.get('A')).toBe('extraction');
    const share = Math.min(LAND_SHARE_BAND.max, Math.max(LAND_SHARE_BAND.min, 1 - house / 400_000));
    expect(share).toBeLessThan(1 - house / 400_000); // price minus cost would give land more than the band allows
    expect(cal.landRates.rateOf('A').ratePerSqft).toBeCloseTo((share * 400_000) / 10_000, 10);
  });
});

describe('cost values against the true market values of the demo county', () => {
  // Each seed's whole county: the cost method calibrated on its valid sales values every improved residential
  // parcel; the values are compared with TRUE_MODEL's market value at the valuation date.
  for (const seed of [42, 7]) {
    it(`seed ${seed}: median ratio 0.95–1.05, COD ≤ 15, land share within the band`, () => {
      const sales = demoSales(20_000, seed);
      const cal = calibrateCostApproach(sales, TRUE_MODEL.referenceTaxYear);
      const { batch, trueValue } = demoResidentialParcels(20_000, seed, [...sales.neighborhoods]);
      const out = { land: new Float64Array(batch.size), improvement: new Float64Array(batch.size) };
      costValues(cal, batch, out, new Uint8Array(batch.size));
      const value = Array.from(out.land, (l, i) => l + out.improvement[i]);
      const r = ratioSummary(value, Array.from(trueValue));
      expect(r.median).toBeGreaterThanOrEqual(0.95);
      expect(r.median).toBeLessThanOrEqual(1.05);
      expect(r.cod).toBeLessThanOrEqual(15);
      const shares = Array.from(out.land, (l, i) => l / value[i]);
      expect(Math.min(...shares)).toBeGreaterThanOrEqual(LAND_SHARE_BAND.min - 1e-4);
      expect(Math.max(...shares)).toBeLessThanOrEqual(LAND_SHARE_BAND.max + 1e-4);
      // Not all pinned to one edge: the band holds the extraction, it does not replace it.
      expect(quantile(shares, 0.1)).toBeLessThan(LAND_SHARE_BAND.max - 0.05);
    });
  }
});

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))];
}
