import { describe, expect, it } from '@jest/globals';
import { copyLine, copyValue } from '../database/copy-text.js';
import { modelLogPrice, monthsFromReference, TRUE_MODEL } from './hedonic-model.js';

describe('COPY text encoding', () => {
  it('writes null as \\N and escapes backslash, tab and line breaks', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyValue(true)).toBe('true');
    expect(copyValue(1.5)).toBe('1.5');
    expect(copyLine(['demo', null, 3, '{"type":"Polygon"}'])).toBe('demo\t\\N\t3\t{"type":"Polygon"}\n');
  });
});

describe('hedonic model helpers', () => {
  it('counts months from the reference date, negative before it', () => {
    expect(monthsFromReference(TRUE_MODEL.referenceDate)).toBe(0);
    expect(monthsFromReference('2024-01-01')).toBeCloseTo(-366 / (365.25 / 12), 10);
    expect(monthsFromReference('2025-07-02')).toBeCloseTo(182 / (365.25 / 12), 10);
  });

  it('prices a typical house near $300,000 and applies the trend per month', () => {
    const house = {
      buildingSqft: 1800,
      landSqft: 8000,
      yearBuilt: 1995,
      quality: 4,
      condition: 3,
      bathrooms: 2,
      neighborhood: 'Lincoln Park',
    };
    const price = Math.exp(modelLogPrice(house));
    expect(price).toBeGreaterThan(250_000);
    expect(price).toBeLessThan(400_000);
    expect(modelLogPrice(house, -12) - modelLogPrice(house)).toBeCloseTo(-12 * TRUE_MODEL.monthlyTrend, 12);
    expect(() => modelLogPrice({ ...house, neighborhood: 'Atlantis' })).toThrow('Unknown demo neighborhood: Atlantis');
  });
});
