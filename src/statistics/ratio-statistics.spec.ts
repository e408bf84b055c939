import { describe, expect, it } from '@jest/globals';
import { IAAO_TABLES, readIaaoTable } from './fixtures/iaao-tables.js';
import { sortedMedian, sortedQuantile } from './order-statistics.js';
import { iqrBounds, ratioStatistics, ratioSummary } from './ratio-statistics.js';

const f64 = (values: number[]) => Float64Array.from(values);

describe('order statistics', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(sortedMedian(f64([1, 2, 3]))).toBe(2);
    expect(sortedMedian(f64([1, 2, 3, 10]))).toBe(2.5);
    expect(sortedMedian(f64([]))).toBeNaN();
  });

  it('interpolates type-7 quantiles at (n − 1)·p', () => {
    const x = f64([0.9, 1, 1, 1.1, 3]);
    expect(sortedQuantile(x, 0.25)).toBe(1);
    expect(sortedQuantile(x, 0.75)).toBe(1.1);
    expect(sortedQuantile(f64([1, 2, 3, 4]), 0.25)).toBeCloseTo(1.75, 15);
    expect(sortedQuantile(f64([1, 2, 3, 4]), 0.9)).toBeCloseTo(3.7, 15);
    expect(sortedQuantile(f64([7]), 0.3)).toBe(7);
  });

  it('trims by the IQR rule with a configurable factor', () => {
    const x = f64([0.9, 1, 1, 1.1, 3]);
    // Q1 = 1, Q3 = 1.1, IQR = 0.1
    const [lo, hi] = iqrBounds(x, 1.5);
    expect(lo).toBeCloseTo(0.85, 12);
    expect(hi).toBeCloseTo(1.25, 12);
    const [lo3, hi3] = iqrBounds(x, 3);
    expect(lo3).toBeCloseTo(0.7, 12);
    expect(hi3).toBeCloseTo(1.4, 12);
  });
});

describe('ratioStatistics on a hand-computed sample', () => {
  // estimate 50, 100, 165, 180 against prices 50, 100, 150, 200: ratios 1, 1, 1.1, 0.9.
  const s = ratioStatistics(f64([50, 100, 165, 180]), f64([50, 100, 150, 200]));

  it('gives level and uniformity by hand', () => {
    expect(s.n).toBe(4);
    expect(s.median).toBe(1);
    expect(s.mean).toBeCloseTo(1, 15);
    expect(s.weighted_mean).toBeCloseTo(495 / 500, 15);
    // COD = 100 · (0 + 0 + 0.1 + 0.1) / 4 / 1
    expect(s.cod).toBeCloseTo(5, 12);
    expect(s.prd).toBeCloseTo(1 / 0.99, 14);
    // Too few sales for a median CI.
    expect(s.median_ci).toBeNull();
  });

  it('gives the PRB as the OLS slope on log2 value, with its t-interval on n − 2 df', () => {
    // x = log2((e/1 + p)/2) = log2(50, 100, 157.5, 190); y = (0, 0, 0.1, −0.1).
    const x = [50, 100, 157.5, 190].map(Math.log2);
    const y = [0, 0, 0.1, -0.1];
    const mx = x.reduce((a, b) => a + b) / 4;
    const sxx = x.reduce((a, v) => a + (v - mx) ** 2, 0);
    const sxy = x.reduce((a, v, i) => a + (v - mx) * y[i], 0);
    const slope = sxy / sxx;
    expect(s.prb).toBeCloseTo(slope, 14);
    expect(s.prb).toBeCloseTo(-0.012288374370436008, 12); // SciPy linregress
    expect(s.prb_ci![0]).toBeCloseTo(-0.2997898695088078, 10);
    expect(s.prb_ci![1]).toBeCloseTo(0.2752131207679358, 10);
  });

  it('handles the empty sample and samples too small for the PRB', () => {
    expect(ratioStatistics(f64([]), f64([]))).toEqual({
      n: 0,
      mki: null,
      ki: null,
      median: null,
      mean: null,
      weighted_mean: null,
      cod: null,
      prd: null,
      prb: null,
      prb_ci: null,
      median_ci: null,
    });
    const two = ratioStatistics(f64([90, 110]), f64([100, 100]));
    expect(two).toMatchObject({ n: 2, median: 1, prb: null, prb_ci: null, median_ci: null });
    expect(two.cod).toBeCloseTo(10, 12);
  });

  it('gives the order-statistic median interval from n = 6', () => {
    const s6 = ratioStatistics(f64([6, 1, 5, 2, 4, 3]), f64([1, 1, 1, 1, 1, 1]));
    expect(s6.median_ci).toEqual([1, 6]);
    const s10 = ratioStatistics(f64([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), f64(Array(10).fill(1)));
    expect(s10.median_ci).toEqual([2, 9]);
  });
});

// IAAO Standard on Ratio Studies, tables 1-1, 1-4, D-1 and D-2: the figures printed in
// the standard (fixtures/iaao-tables.ts), to the printed precision.
describe.each(IAAO_TABLES)('IAAO table $name', (table) => {
  const rows = readIaaoTable(table);
  const s = ratioStatistics(f64(rows.estimate), f64(rows.salePrice));
  const e = table.expected;

  it('reproduces n, median, mean, weighted mean, COD and PRD', () => {
    expect(s.n).toBe(e.n);
    expect(s.median).toBeCloseTo(e.median, 6);
    expect(s.mean).toBeCloseTo(e.mean, 6);
    expect(s.weighted_mean).toBeCloseTo(e.weighted_mean, 6);
    expect(s.cod).toBeCloseTo(e.cod, 6);
    expect(s.prd).toBeCloseTo(e.prd, 6);
  });

  it('reproduces the PRB and its 95% CI', () => {
    expect(s.prb).toBeCloseTo(e.prb, 6);
    expect(s.prb_ci![0]).toBeCloseTo(e.prb_ci[0], 5);
    expect(s.prb_ci![1]).toBeCloseTo(e.prb_ci[1], 5);
  });

  it('gives the median CI at the order statistics of the README ranks', () => {
    const sorted = rows.estimate.map((v, i) => v / rows.salePrice[i]).sort((a, b) => a - b);
    expect(s.median_ci).toEqual([sorted[e.median_ci_ranks[0] - 1], sorted[e.median_ci_ranks[1] - 1]]);
  });
});

describe('ratioSummary', () => {
  it('computes COD and PRD by hand', () => {
    // ratios 0.9, 1.0, 1.2 (values 90, 200, 360 over prices 100, 200, 300): median 1.0;
    // COD = 100 · mean(0.1, 0, 0.2) / 1.0 = 10; mean 31/30; weighted mean 650/600; PRD = (31/30)/(650/600).
    const s = ratioSummary([90, 200, 360], [100, 200, 300]);
    expect(s.n).toBe(3);
    expect(s.median).toBeCloseTo(1.0, 12);
    expect(s.cod).toBeCloseTo(10, 10);
    expect(s.mean).toBeCloseTo(31 / 30, 12);
    expect(s.weightedMean).toBeCloseTo(650 / 600, 12);
    expect(s.prd).toBeCloseTo(31 / 30 / (650 / 600), 12);
  });

  it('gives COD 0 and PRD 1 for uniform ratios', () => {
    const s = ratioSummary([50, 100, 150], [100, 200, 300]);
    expect(s.cod).toBe(0);
    expect(s.prd).toBeCloseTo(1, 12);
  });
});
