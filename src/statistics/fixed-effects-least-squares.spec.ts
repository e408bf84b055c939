import { describe, expect, it } from '@jest/globals';
import { fitWithinOls } from './fixed-effects-least-squares.js';

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
