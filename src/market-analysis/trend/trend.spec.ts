import { describe, expect, it } from '@jest/globals';
import { studentTQuantile } from '../../reporting/ratio-study/distributions.js';
import { addMonthsToDay, dayNumber, isIsoDate, isoDate, monthLabel, monthOfDay } from './calendar.js';
import { compareNeighborhoods } from './neighborhood-comparison.js';
import { fitWithinOls } from './ols.js';
import { adjustmentFactors, fitMarketTrend, monthlyFigures, timeAdjustmentFactor } from './price-trend.js';
import { saleColumns, type SaleRow } from './sale-columns.js';

describe('calendar', () => {
  it('converts dates, months and month arithmetic', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(isoDate(dayNumber('2024-02-29'))).toBe('2024-02-29');
    expect(monthLabel(monthOfDay(dayNumber('2024-12-31')))).toBe('2024-12');
    expect(isoDate(addMonthsToDay(dayNumber('2024-03-31'), -1))).toBe('2024-02-29');
    expect(isoDate(addMonthsToDay(dayNumber('2024-12-31'), -12))).toBe('2023-12-31');
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-1-01')).toBe(false);
  });
});

describe('fitWithinOls', () => {
  it('gives the textbook slope and standard error of a simple regression', () => {
    const x = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const y = Float64Array.from([1.1, 1.9, 3.2, 3.9, 5.1, 5.8]);
    const fit = fitWithinOls(y, [{ name: 'x', values: x }], new Int32Array(6))!;
    // slope = Sxy/Sxx; SE = sqrt(RSS/(n-2)/Sxx) with Sxx = 17.5
    const mx = 3.5;
    const my = y.reduce((a, b) => a + b) / 6;
    let sxy = 0;
    for (let i = 0; i < 6; i++) sxy += (x[i] - mx) * (y[i] - my);
    const slope = sxy / 17.5;
    let rss = 0;
    for (let i = 0; i < 6; i++) rss += (y[i] - my - slope * (x[i] - mx)) ** 2;
    expect(fit.coefficients[0]).toBeCloseTo(slope, 13);
    expect(fit.stdErrors[0]).toBeCloseTo(Math.sqrt(rss / 4 / 17.5), 13);
    expect(fit.df).toBe(4);
  });

  it('absorbs group effects exactly and drops columns without within-group variation', () => {
    const n = 40;
    const g = Int32Array.from({ length: n }, (_, i) => i % 4);
    const x1 = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const x2 = Float64Array.from({ length: n }, (_, i) => Math.cos(3 * i));
    const constantPerGroup = Float64Array.from(g, (v) => v * 10);
    const y = Float64Array.from({ length: n }, (_, i) => 5 * g[i] + 0.3 * x1[i] - 2 * x2[i]);
    const fit = fitWithinOls(
      y,
      [
        { name: 'x1', values: x1 },
        { name: 'group_constant', values: constantPerGroup },
        { name: 'x2', values: x2 },
      ],
      g,
    )!;
    expect(fit.terms).toEqual(['x1', 'x2']);
    expect(fit.coefficients[0]).toBeCloseTo(0.3, 12);
    expect(fit.coefficients[1]).toBeCloseTo(-2, 12);
    expect(fit.df).toBe(n - 2 - 4);
  });
});

/** Sales priced exactly at 200·sqft·e^(rate·t) (t in months from 2024-01-01), plus a deterministic wobble. */
function syntheticSales(rate: number, wobble: number): SaleRow[] {
  const rows: SaleRow[] = [];
  const ref = dayNumber('2024-01-01');
  for (let i = 0; i < 240; i++) {
    const day = ref - 700 + ((i * 37) % 700);
    const sqft = 1000 + ((i * 53) % 1500);
    const t = (day - ref) / (365.25 / 12);
    const noise = wobble * Math.sin(i * 12.9898);
    rows.push({
      day,
      price: 200 * sqft * Math.exp(rate * t + noise),
      building_sqft: sqft,
      land_sqft: 5000 + ((i * 71) % 4000),
      year_built: 1950 + (i % 60),
      quality: 1 + (i % 5),
      condition: 1 + ((i * 7) % 5),
      bathrooms: 1 + (i % 3),
      neighborhood: i % 3 === 0 ? 'North' : 'South',
      property_class: 'residential',
    });
  }
  return rows;
}

describe('fitMarketTrend', () => {
  it('recovers the rate of noise-free prices exactly, with rates and CI on the documented scales', () => {
    const sales = saleColumns(syntheticSales(0.01, 0));
    const trend = fitMarketTrend(sales, dayNumber('2024-01-01'))!;
    expect(trend.model).toBe('hedonic_fixed_effects');
    expect(trend.monthly_log_rate).toBeCloseTo(0.01, 10);
    expect(trend.monthly_rate).toBeCloseTo(Math.expm1(0.01), 10);
    expect(trend.annual_rate).toBeCloseTo(Math.expm1(0.12), 10);
    expect(trend.n).toBe(240);
  });

  it('gives a t-interval of the slope that contains the true rate under noise', () => {
    const sales = saleColumns(syntheticSales(0.004, 0.08));
    const trend = fitMarketTrend(sales, dayNumber('2024-01-01'))!;
    const q = studentTQuantile(0.975, trend.df);
    expect(trend.log_rate_ci[0]).toBeCloseTo(trend.monthly_log_rate - q * trend.log_std_error, 14);
    expect(trend.log_rate_ci[0]).toBeLessThan(0.004);
    expect(trend.log_rate_ci[1]).toBeGreaterThan(0.004);
    expect(trend.ci[0]).toBeCloseTo(Math.expm1(trend.log_rate_ci[0]), 14);
    expect(trend.std_error).toBeCloseTo(Math.exp(trend.monthly_log_rate) * trend.log_std_error, 14);
  });

  it('falls back to price per sqft when characteristics are missing, and gives up below 30 sales', () => {
    const rows = syntheticSales(0.01, 0).map((r) => ({ ...r, quality: null }));
    const trend = fitMarketTrend(saleColumns(rows), dayNumber('2024-01-01'))!;
    expect(trend.model).toBe('ln_price_per_sqft');
    expect(trend.monthly_log_rate).toBeCloseTo(0.01, 10);
    expect(fitMarketTrend(saleColumns(rows.slice(0, 29)), dayNumber('2024-01-01'))).toBeNull();
  });
});

describe('monthly figures and adjustment factors', () => {
  const rows: SaleRow[] = [
    ['2024-01-05', 100_000, 1000],
    ['2024-01-20', 300_000, 1500],
    ['2024-01-28', 200_000, null],
    ['2024-03-01', 150_000, 1000],
  ].map(([d, p, s]) => ({
    day: dayNumber(d as string),
    price: p as number,
    building_sqft: s as number | null,
    land_sqft: null,
    year_built: null,
    quality: null,
    condition: null,
    bathrooms: null,
    neighborhood: 'A',
    property_class: 'residential',
  }));

  it('counts every month of the window, with medians where there are sales', () => {
    const from = monthOfDay(dayNumber('2024-01-01'));
    expect(monthlyFigures(saleColumns(rows), from, from + 2)).toEqual([
      { month: '2024-01', count: 3, median_price: 200_000, median_price_per_sqft: 150 },
      { month: '2024-02', count: 0, median_price: null, median_price_per_sqft: null },
      { month: '2024-03', count: 1, median_price: 150_000, median_price_per_sqft: 150 },
    ]);
  });

  it('brings each month to the reference month at the fitted rate', () => {
    const from = monthOfDay(dayNumber('2024-01-01'));
    const factors = adjustmentFactors({ monthly_log_rate: 0.01 } as never, from, from + 2);
    expect(factors.map((f) => f.month)).toEqual(['2024-01', '2024-02', '2024-03']);
    expect(factors[0].factor).toBeCloseTo(Math.exp(0.02), 15);
    expect(factors[2].factor).toBe(1);
    expect(timeAdjustmentFactor({ monthly_log_rate: 0.01 }, 0, 365.25 / 12)).toBeCloseTo(Math.exp(0.01), 14);
  });
});

describe('compareNeighborhoods', () => {
  const row = (d: string, p: number, nb: string): SaleRow => ({
    day: dayNumber(d),
    price: p,
    building_sqft: 1000,
    land_sqft: null,
    year_built: null,
    quality: null,
    condition: null,
    bathrooms: null,
    neighborhood: nb,
    property_class: 'residential',
  });
  const sales = saleColumns([
    row('2024-03-01', 110_000, 'A'),
    row('2024-04-01', 130_000, 'A'),
    row('2023-03-01', 100_000, 'A'),
    row('2024-05-01', 300_000, 'B'),
    row('2023-05-01', 250_000, 'B'),
    row('2023-05-02', 350_000, 'B'),
    row('2022-01-01', 999_000, 'B'), // outside both windows
  ]);
  const current = { from: dayNumber('2024-01-01'), to: dayNumber('2024-12-31') };
  const prior = { from: dayNumber('2023-01-01'), to: dayNumber('2023-12-31') };
  const { neighborhoods, county } = compareNeighborhoods(sales, current, prior);

  it('ranks neighborhoods by median price per sqft, with year-over-year change', () => {
    expect(neighborhoods.map((n) => [n.neighborhood, n.rank, n.sale_count, n.median_price_per_sqft])).toEqual([
      ['B', 1, 1, 300],
      ['A', 2, 2, 120],
    ]);
    expect(neighborhoods[1].prior_median_price_per_sqft).toBe(100);
    expect(neighborhoods[1].yoy_change).toBeCloseTo(0.2, 14);
    expect(neighborhoods[0].yoy_change).toBeCloseTo(0, 14);
  });

  it('gives the county figure for reference', () => {
    expect(county).toEqual({
      sale_count: 3,
      median_price: 130_000,
      median_price_per_sqft: 130,
      prior_sale_count: 3,
      prior_median_price_per_sqft: 250,
      yoy_change: 130 / 250 - 1,
    });
    expect(neighborhoods[0].index_to_county).toBeCloseTo(300 / 130, 14);
  });
});
