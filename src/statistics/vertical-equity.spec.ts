import { describe, expect, it } from '@jest/globals';
import { QUINTOS_COLUMNS, QUINTOS_EXPECTED, readQuintosSample } from './fixtures/quintos-sample.js';
import { giniOverOrder, kakwaniIndices, mkiWithinRange, stablePriceOrder } from './vertical-equity.js';

describe('vertical equity (Gini, MKI, KI)', () => {
  const sample = readQuintosSample();

  it.each(QUINTOS_COLUMNS)('reproduces the Quintos sample, %s, to 1e-6', (column) => {
    const k = kakwaniIndices(sample.estimates[column], sample.salePrice);
    expect(Math.abs(k.mki! - QUINTOS_EXPECTED[column].mki)).toBeLessThan(1e-6);
    expect(Math.abs(k.ki! - QUINTOS_EXPECTED[column].ki)).toBeLessThan(1e-6);
  });

  it('orders tied prices by input order (a stable sort)', () => {
    expect([...stablePriceOrder([3, 1, 2, 1, 3])]).toEqual([1, 3, 2, 0, 4]);
  });

  it('gives 0 for equal values, and MKI 1 for values proportional to prices', () => {
    const order = stablePriceOrder([1, 2, 3]);
    expect(giniOverOrder([5, 5, 5], order)).toBeCloseTo(0, 15);
    const k = kakwaniIndices([90, 180, 270], [100, 200, 300]);
    expect(k.mki).toBeCloseTo(1, 12);
    expect(k.ki).toBeCloseTo(0, 12);
    expect(kakwaniIndices([1, 2], [5, 5]).mki).toBeNull();
  });

  it('checks the Quintos range 0.95 < MKI ≤ 1.05', () => {
    expect(mkiWithinRange(0.95)).toBe(false);
    expect(mkiWithinRange(0.9501)).toBe(true);
    expect(mkiWithinRange(1.05)).toBe(true);
    expect(mkiWithinRange(1.0501)).toBe(false);
    expect(mkiWithinRange(null)).toBeNull();
  });
});
