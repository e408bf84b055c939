import { describe, expect, it } from '@jest/globals';
import { median, ratioSummary, sortedMedian } from './ratio-statistics.js';

describe('ratio statistics', () => {
  it('takes medians of odd and even counts without reordering the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(sortedMedian([1, 2, 3, 10, 20], 1, 5)).toBe(6.5);
  });

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
