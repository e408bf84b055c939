import { describe, expect, it } from '@jest/globals';
import {
  binomialHalfCdf,
  incompleteBeta,
  logGamma,
  medianCiRanks,
  studentTCdf,
  studentTQuantile,
} from './distributions.js';

// Reference values: SciPy 1.17 (scipy.stats.t.ppf / t.cdf, scipy.special.betainc / gammaln, scipy.stats.binom).
describe('logGamma and incompleteBeta', () => {
  it('match reference values', () => {
    expect(logGamma(0.3)).toBeCloseTo(1.0957979948180756, 12);
    expect(logGamma(100.5)).toBeCloseTo(361.43554046777757, 10);
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(incompleteBeta(0.3, 2.5, 3.5)).toBeCloseTo(0.29675298929566646, 13);
    expect(incompleteBeta(0.05, 0.5, 10)).toBeCloseTo(0.6828484245344547, 13);
    expect(incompleteBeta(0, 2, 3)).toBe(0);
    expect(incompleteBeta(1, 2, 3)).toBe(1);
  });
});

describe('studentTCdf', () => {
  it('matches reference values and closed forms', () => {
    expect(studentTCdf(1.5, 7)).toBeCloseTo(0.911350756505015, 13);
    expect(studentTCdf(-2.5, 3)).toBeCloseTo(0.04385332350403278, 13);
    expect(studentTCdf(0, 9)).toBe(0.5);
    // df = 1 is the Cauchy distribution.
    expect(studentTCdf(2, 1)).toBeCloseTo(0.5 + Math.atan(2) / Math.PI, 14);
  });
});

describe('studentTQuantile', () => {
  const reference: [number, number, number, number][] = [
    // df, p = 0.975, p = 0.999999, p = 0.6
    [1, 12.706204736174694, 318309.88617359026, 0.32491969623290634],
    [2, 4.302652729749462, 707.1057205157672, 0.2886751345948128],
    [3, 3.1824463052837078, 103.29946777942898, 0.2766706623326898],
    [4, 2.7764451051977934, 41.5778541501515, 0.2707222947075976],
    [5, 2.5705818356363146, 24.771029720372493, 0.2671808657041451],
    [10, 2.228138851986274, 9.751995490909856, 0.2601848294920803],
    [14, 2.144786687917804, 7.742509426331791, 0.25821265388905856],
    [15, 2.131449545559776, 7.464384940078487, 0.25788530093726125],
    [23, 2.0686576104190486, 6.297169086001771, 0.25629705991468515],
    [34, 2.0322445093177186, 5.718377825208368, 0.2553385219207751],
    [100, 1.9839715185235518, 5.048830877221446, 0.25402218245822766],
    [1000, 1.9623390808264083, 4.781608620452439, 0.25341451583949876],
    [200000, 1.959975845966768, 4.753564508989958, 0.2533474401462228],
  ];
  it.each(reference)('df %d matches SciPy to 1e-9 relative', (df, q975, q999999, q60) => {
    expect(Math.abs(studentTQuantile(0.975, df) / q975 - 1)).toBeLessThan(1e-9);
    expect(Math.abs(studentTQuantile(0.999999, df) / q999999 - 1)).toBeLessThan(1e-8);
    expect(Math.abs(studentTQuantile(0.6, df) / q60 - 1)).toBeLessThan(1e-9);
    expect(studentTQuantile(0.025, df)).toBeCloseTo(-q975, 9);
  });

  it('agrees with the closed forms for 1, 2 and 4 degrees of freedom', () => {
    for (const p of [0.51, 0.7, 0.9, 0.95, 0.975, 0.995, 0.9999]) {
      expect(studentTQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 6);
      expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 10);
      const a = 4 * p * (1 - p);
      const q = Math.cos(Math.acos(Math.sqrt(a)) / 3) / Math.sqrt(a);
      expect(studentTQuantile(p, 4)).toBeCloseTo(Math.sign(p - 0.5) * 2 * Math.sqrt(q - 1), 10);
    }
  });

  it('inverts the CDF', () => {
    for (const df of [1, 3, 7.5, 30, 500]) {
      for (const p of [0.001, 0.2, 0.5, 0.8, 0.975, 0.9995]) {
        expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
      }
    }
  });

  it('refuses probabilities outside (0, 1) and non-positive degrees of freedom', () => {
    expect(() => studentTQuantile(0, 5)).toThrow(RangeError);
    expect(() => studentTQuantile(1, 5)).toThrow(RangeError);
    expect(() => studentTQuantile(0.5, 0)).toThrow(RangeError);
  });
});

describe('binomial median interval', () => {
  it('gives the ranks of the exact 95% interval', () => {
    expect(medianCiRanks(5)).toBeNull();
    expect(medianCiRanks(6)).toEqual([1, 6]);
    expect(medianCiRanks(7)).toEqual([1, 7]);
    expect(medianCiRanks(10)).toEqual([2, 9]);
    expect(medianCiRanks(16)).toEqual([4, 13]);
    expect(medianCiRanks(17)).toEqual([5, 13]);
    expect(medianCiRanks(25)).toEqual([8, 18]);
    expect(medianCiRanks(36)).toEqual([12, 25]);
    expect(medianCiRanks(100)).toEqual([40, 61]);
    expect(medianCiRanks(1000)).toEqual([469, 532]);
    expect(medianCiRanks(200_000)).toEqual([99_562, 100_439]);
  });

  it('computes the CDF of Binomial(n, 1/2) exactly for small n', () => {
    expect(binomialHalfCdf(0, 6)).toBeCloseTo(1 / 64, 15);
    expect(binomialHalfCdf(1, 6)).toBeCloseTo(7 / 64, 15);
    expect(binomialHalfCdf(11, 36)).toBeLessThanOrEqual(0.025);
    expect(binomialHalfCdf(12, 36)).toBeGreaterThan(0.025);
  });
});
