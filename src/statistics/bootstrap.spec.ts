import { describe, expect, it } from '@jest/globals';
import { bootstrapRatioIntervals, poissonAliasTable } from './bootstrap.js';
import { ratioStatistics } from './ratio-statistics.js';
import { SeededRandom, streamSeed } from './seeded-random.js';
import { stablePriceOrder } from './vertical-equity.js';

function sample(n: number, seed: number): { e: Float64Array; p: Float64Array } {
  const rng = new SeededRandom(seed);
  const normal = () => {
    let s = 0;
    for (let k = 0; k < 6; k++) s += rng.next();
    return (s - 3) * Math.SQRT2;
  };
  const e = new Float64Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = Math.round(Math.exp(12.2 + 0.45 * normal()) / 100) * 100;
    e[i] = p[i] * 0.93 * Math.pow(p[i] / 200_000, -0.05) * Math.exp(0.12 * normal());
  }
  return { e, p };
}

describe('SeededRandom', () => {
  it('is reproducible and uniform enough', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    let mean = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = a.next();
      expect(x).toBe(b.next());
      mean += x / 10_000;
    }
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(streamSeed(1, 'overall')).toBe(streamSeed(1, 'overall'));
    expect(streamSeed(1, 'overall')).not.toBe(streamSeed(2, 'overall'));
    expect(streamSeed(1, 'overall')).not.toBe(streamSeed(1, 'neighborhood=A'));
  });

  it('samples Poisson counts with the right mean and variance', () => {
    const draw = poissonAliasTable(12);
    const rng = new SeededRandom(3);
    let s = 0;
    let ss = 0;
    const N = 50_000;
    for (let i = 0; i < N; i++) {
      const k = draw(rng);
      s += k;
      ss += k * k;
    }
    const mean = s / N;
    expect(mean).toBeCloseTo(12, 0);
    expect(ss / N - mean * mean).toBeCloseTo(12, 0);
  });
});

describe('bootstrapRatioIntervals', () => {
  for (const n of [200, 5000]) {
    it(`is reproducible for a seed and covers the point estimates (n = ${n})`, () => {
      const { e, p } = sample(n, n);
      const order = stablePriceOrder(p);
      const s = ratioStatistics(e, p, undefined, undefined, order);
      const a = bootstrapRatioIntervals(e, p, order, { resamples: 500, seed: 9 });
      const b = bootstrapRatioIntervals(e, p, order, { resamples: 500, seed: 9 });
      const c = bootstrapRatioIntervals(e, p, order, { resamples: 500, seed: 10 });
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      expect(a.method).toBe(n <= 1000 ? 'classic' : 'blb');
      for (const [ci, point] of [
        [a.cod_ci, s.cod],
        [a.prd_ci, s.prd],
        [a.mki_ci, s.mki],
      ] as const) {
        expect(ci![0]).toBeLessThan(point!);
        expect(ci![1]).toBeGreaterThan(point!);
      }
    });
  }

  it('gives the bag of little bootstraps about the width of the classic bootstrap', () => {
    // The same population at n = 1000 (classic) and n = 1001 (bag of little bootstraps).
    const widths = [1000, 1001].map((n) => {
      const { e, p } = sample(n, 77);
      const ci = bootstrapRatioIntervals(e, p, stablePriceOrder(p), { resamples: 1000, seed: 1 });
      return [ci.cod_ci![1] - ci.cod_ci![0], ci.prd_ci![1] - ci.prd_ci![0], ci.mki_ci![1] - ci.mki_ci![0]];
    });
    for (let k = 0; k < 3; k++) expect(widths[1][k] / widths[0][k]).toBeGreaterThan(0.75);
    for (let k = 0; k < 3; k++) expect(widths[1][k] / widths[0][k]).toBeLessThan(1.33);
  });

  it('shrinks the intervals as 1/√n', () => {
    const width = (n: number) => {
      const { e, p } = sample(n, 5);
      const ci = bootstrapRatioIntervals(e, p, stablePriceOrder(p), { resamples: 400, seed: 2 });
      return ci.cod_ci![1] - ci.cod_ci![0];
    };
    expect(width(40_000) / width(2500)).toBeGreaterThan(0.15);
    expect(width(40_000) / width(2500)).toBeLessThan(0.4);
  });

  it('gives no interval under 10 sales', () => {
    const { e, p } = sample(9, 1);
    expect(bootstrapRatioIntervals(e, p, stablePriceOrder(p), { resamples: 100, seed: 1 })).toMatchObject({
      cod_ci: null,
      prd_ci: null,
      mki_ci: null,
    });
  });
});
