import { describe, expect, it } from '@jest/globals';
import { CollinearColumnError, fitOls } from './least-squares.js';

describe('fitOls', () => {
  // y = a + b·x on (1,2) (2,4) (3,5) (4,4): x̄ = 2.5, ȳ = 3.75, Sxx = 5, Sxy = 3.5 → b = 0.7, a = 2.0;
  // residuals −0.7, 0.6, 0.9, −0.8 → RSS = 2.3, σ² = 1.15, SE(b) = √(1.15/5), SE(a) = √(1.15·(1/4 + 2.5²/5));
  // TSS = 4.75 → R² = 1 − 2.3/4.75.
  const xs = [1, 2, 3, 4];
  const fit = fitOls({ n: 4, p: 2, y: Float64Array.from([2, 4, 5, 4]), fillRow: (i, x) => (x[1] = xs[i]) });

  it('matches the hand-computed simple regression', () => {
    expect(fit.beta[0]).toBeCloseTo(2.0, 12);
    expect(fit.beta[1]).toBeCloseTo(0.7, 12);
    expect(fit.rss).toBeCloseTo(2.3, 12);
    expect(fit.sigma2).toBeCloseTo(1.15, 12);
    expect(fit.stdErrors[1]).toBeCloseTo(Math.sqrt(1.15 / 5), 12);
    expect(fit.stdErrors[0]).toBeCloseTo(Math.sqrt(1.15 * (0.25 + 1.25)), 12);
    expect(fit.covariance[1]).toBeCloseTo(-1.15 * (2.5 / 5), 12);
    expect(fit.tss).toBeCloseTo(4.75, 12);
    expect(fit.rSquared).toBeCloseTo(1 - 2.3 / 4.75, 12);
    expect(fit.adjRSquared).toBeCloseTo(1 - 2.3 / 2 / (4.75 / 3), 12);
    expect(Array.from(fit.fitted).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([2.7, 3.4, 4.1, 4.8]);
  });

  it('recovers an exact linear relation with an indicator and badly scaled columns', () => {
    // y = 5 + 0.002·x1 − 3·x2 + 0.5·d with x1 in the tens of thousands: an exact fit (R² = 1).
    const rows = Array.from({ length: 40 }, (_, i) => ({
      x1: 10_000 + 997 * ((i * 7) % 13),
      x2: ((i * 5) % 11) / 10,
      d: i % 3 === 0 ? 1 : 0,
    }));
    const y = Float64Array.from(rows, (r) => 5 + 0.002 * r.x1 - 3 * r.x2 + 0.5 * r.d);
    const exact = fitOls({
      n: rows.length,
      p: 4,
      y,
      indicators: new Set([3]),
      fillRow: (i, x) => {
        x[1] = rows[i].x1;
        x[2] = rows[i].x2;
        x[3] = rows[i].d;
      },
    });
    expect(exact.beta[0]).toBeCloseTo(5, 8);
    expect(exact.beta[1]).toBeCloseTo(0.002, 12);
    expect(exact.beta[2]).toBeCloseTo(-3, 9);
    expect(exact.beta[3]).toBeCloseTo(0.5, 9);
    expect(exact.rss).toBeLessThan(1e-15);
    expect(exact.rSquared).toBeCloseTo(1, 12);
  });

  it('reports a constant column and a collinear one by index', () => {
    const constant = () => fitOls({ n: 5, p: 2, y: Float64Array.from([1, 2, 3, 4, 5]), fillRow: (_, x) => (x[1] = 7) });
    expect(constant).toThrow(CollinearColumnError);
    expect(constant).toThrow('column 1 is constant or collinear with the columns before it');
    const collinear = () =>
      fitOls({
        n: 6,
        p: 3,
        y: Float64Array.from([1, 3, 2, 5, 4, 6]),
        fillRow: (i, x) => {
          x[1] = i;
          x[2] = 2 * i + 1;
        },
      });
    expect(collinear).toThrow('column 2 is constant or collinear with the columns before it');
  });

  it('needs more rows than columns', () => {
    expect(() => fitOls({ n: 2, p: 2, y: new Float64Array(2), fillRow: () => undefined })).toThrow(
      'need more observations (2) than columns (2)',
    );
  });
});
