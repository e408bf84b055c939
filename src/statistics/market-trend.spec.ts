import { describe, expect, it } from '@jest/globals';
import { dayNumber, monthOfDay } from './calendar.js';
import { studentTQuantile } from './distributions.js';
import { adjustmentFactors, fitMarketTrend, timeAdjustmentFactor } from './market-trend.js';
import { saleColumns, type SaleRow } from './sale-columns.js';

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

describe('adjustment factors', () => {
  it('brings each month to the reference month at the fitted rate', () => {
    const from = monthOfDay(dayNumber('2024-01-01'));
    const factors = adjustmentFactors({ monthly_log_rate: 0.01 } as never, from, from + 2);
    expect(factors.map((f) => f.month)).toEqual(['2024-01', '2024-02', '2024-03']);
    expect(factors[0].factor).toBeCloseTo(Math.exp(0.02), 15);
    expect(factors[2].factor).toBe(1);
    expect(timeAdjustmentFactor({ monthly_log_rate: 0.01 }, 0, 365.25 / 12)).toBeCloseTo(Math.exp(0.01), 14);
  });
});
