import { describe, expect, it } from '@jest/globals';
import {
  cholesky,
  choleskyInverse,
  choleskySolve,
  multiply,
  multiplyVector,
  NotPositiveDefiniteError,
  transpose,
} from './linear-algebra.js';

const m = (rows: number[][]) => Float64Array.from(rows.flat());

describe('cholesky', () => {
  // The textbook example: [[4,12,-16],[12,37,-43],[-16,-43,98]] = L·Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]].
  const a = m([
    [4, 12, -16],
    [12, 37, -43],
    [-16, -43, 98],
  ]);

  it('factors a 3×3 symmetric positive definite matrix exactly', () => {
    expect(Array.from(cholesky(a, 3))).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  });

  it('solves A·x = b (b = A·[1, -2, 0.5])', () => {
    const b = multiplyVector(a, Float64Array.from([1, -2, 0.5]), 3, 3);
    expect(Array.from(b)).toEqual([-28, -83.5, 119]);
    const x = choleskySolve(cholesky(a, 3), 3, b);
    expect(x[0]).toBeCloseTo(1, 10);
    expect(x[1]).toBeCloseTo(-2, 10);
    expect(x[2]).toBeCloseTo(0.5, 10);
  });

  it('inverts A: the hand-computed inverse, and A·A⁻¹ = I', () => {
    const inv = choleskyInverse(cholesky(a, 3), 3);
    // adj(A)/det(A) with det(A) = (2·1·3)² = 36.
    const expected = [
      [49.36111111111111, -13.555555555555555, 2.1111111111111107],
      [-13.555555555555555, 3.7777777777777777, -0.5555555555555555],
      [2.1111111111111107, -0.5555555555555555, 0.1111111111111111],
    ].flat();
    inv.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 9));
    const id = multiply(a, inv, 3, 3, 3);
    id.forEach((v, k) => expect(v).toBeCloseTo(k % 4 === 0 ? 1 : 0, 9));
  });

  it('solves the 2×2 system [[2,1],[1,3]]·x = [3,5] → x = [0.8, 1.4]', () => {
    const x = choleskySolve(
      cholesky(
        m([
          [2, 1],
          [1, 3],
        ]),
        2,
      ),
      2,
      Float64Array.from([3, 5]),
    );
    expect(x[0]).toBeCloseTo(0.8, 12);
    expect(x[1]).toBeCloseTo(1.4, 12);
  });

  it('names the first dependent column of a singular matrix', () => {
    // Column 2 = column 0 + column 1.
    const singular = m([
      [1, 0, 1],
      [0, 1, 1],
      [1, 1, 2],
    ]);
    expect(() => cholesky(singular, 3)).toThrow(NotPositiveDefiniteError);
    try {
      cholesky(singular, 3);
    } catch (error) {
      expect((error as NotPositiveDefiniteError).index).toBe(2);
    }
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => cholesky(new Float64Array(5), 2)).toThrow('expected 2×2 values, got 5');
  });
});

describe('matrix helpers', () => {
  it('multiplies and transposes rectangular matrices', () => {
    const a = m([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(transpose(a, 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(multiply(a, transpose(a, 2, 3), 2, 3, 2))).toEqual([14, 32, 32, 77]);
  });
});
