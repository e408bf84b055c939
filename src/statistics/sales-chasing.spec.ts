import { describe, expect, it } from '@jest/globals';
import { normalCdf } from './distributions.js';
import {
  cdfGapTest,
  distributionTest,
  mannWhitneyU,
  medianDifferenceInterval,
  soldUnsoldTest,
} from './sales-chasing.js';
import { SeededRandom } from './seeded-random.js';

/** Sorted ratios, `chased` of them exactly 1. */
function ratios(n: number, chased: number, seed = 1): Float64Array {
  const rng = new SeededRandom(seed);
  return Float64Array.from({ length: n }, (_, i) => {
    if (i < chased) return 1;
    let s = 0;
    for (let k = 0; k < 6; k++) s += rng.next();
    return 0.95 * Math.exp(0.12 * (s - 3) * Math.SQRT2);
  }).sort();
}

describe('normalCdf', () => {
  it('matches tabulated values', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(normalCdf(2.5)).toBeCloseTo(0.9937903346742238, 14);
    expect(normalCdf(-5)).toBeCloseTo(2.866515718791939e-7, 18);
    expect(normalCdf(-10) / 7.619853024160527e-24).toBeCloseTo(1, 10);
  });
});

describe('sales chasing tests', () => {
  it('flags 10 % of ratios set to 1 by the CDF gap and the distribution method', () => {
    const chased = ratios(1000, 100);
    expect(cdfGapTest(chased)).toMatchObject({ flagged: true, at_ratio: 1, verdict: 'possible sales chasing' });
    expect(cdfGapTest(chased).largest_jump).toBeCloseTo(0.1, 10);
    const d = distributionTest(chased);
    expect(d.flagged).toBe(true);
    expect(d.excess).toBeGreaterThan(0.05);
  });

  it('does not flag an honest sample', () => {
    const honest = ratios(1000, 0);
    expect(cdfGapTest(honest)).toMatchObject({ flagged: false, verdict: 'no sign of sales chasing' });
    expect(distributionTest(honest)).toMatchObject({ flagged: false, verdict: 'no sign of sales chasing' });
    expect(Math.abs(distributionTest(honest).excess!)).toBeLessThan(0.02);
  });

  it('says too few sales below 30', () => {
    expect(cdfGapTest(ratios(29, 10)).verdict).toBe('too few sales to judge');
    expect(distributionTest(ratios(29, 10)).verdict).toBe('too few sales to judge');
  });

  it('computes the Mann–Whitney U with tie and continuity corrections', () => {
    // scipy.stats.mannwhitneyu(x, y, method='asymptotic') (continuity and tie corrections): U 17.5, p 0.0824779
    const t = mannWhitneyU([1.1, 2.2, 3.3, 4.4, 4.4], [0.5, 1.1, 2.0, 2.0])!;
    expect(t.u).toBe(17.5);
    expect(t.p_value).toBeCloseTo(0.08247788747320957, 12);
  });

  it('compares the changes of sold and unsold parcels', () => {
    const rng = new SeededRandom(8);
    const noise = () => 0.04 * (rng.next() - 0.5);
    const unsold = Float64Array.from({ length: 3000 }, () => 0.06 + noise());
    const honestSold = Float64Array.from({ length: 1500 }, () => 0.06 + noise());
    const chasedSold = Float64Array.from({ length: 1500 }, (_, i) => (i % 10 === 0 ? 0.15 : 0.06) + noise());
    expect(soldUnsoldTest(honestSold, unsold).flagged).toBe(false);
    const chased = soldUnsoldTest(chasedSold, unsold);
    expect(chased.flagged).toBe(true);
    expect(chased.p_value!).toBeLessThan(0.01);
    expect(chased.difference_ci![0]).toBeLessThanOrEqual(chased.difference!);
    expect(chased.difference_ci![1]).toBeGreaterThanOrEqual(chased.difference!);
    expect(soldUnsoldTest(honestSold.subarray(0, 20), unsold).verdict).toBe('too few sales to judge');
  });

  it('brackets the difference of medians (Price–Bonett)', () => {
    const x = Float64Array.from({ length: 301 }, (_, i) => 0.1 + i / 3000);
    const y = Float64Array.from({ length: 2001 }, (_, i) => i / 20000);
    const ci = medianDifferenceInterval(x, y)!;
    expect(ci[0]).toBeLessThan(0.1);
    expect(ci[1]).toBeGreaterThan(0.1);
    expect(ci[1] - ci[0]).toBeLessThan(0.03);
    expect(medianDifferenceInterval(x.subarray(0, 5), y)).toBeNull();
  });
});
