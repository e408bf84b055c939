import { describe, expect, it } from '@jest/globals';
import { BoundedLabel, enumLabel, newCountyLabels, normaliseMethod, statusLabel } from './labels.js';

describe('label bounds', () => {
  it('caps distinct values; values seen before stay themselves', () => {
    const l = new BoundedLabel(2);
    expect([l.map('a'), l.map('b'), l.map('c'), l.map('a')]).toEqual(['a', 'b', 'other', 'a']);
    expect(l.size).toBe(2);
  });

  it('admits only county slugs', () => {
    const c = newCountyLabels();
    expect(c.map('king-wa')).toBe('king-wa');
    expect(c.map('King WA')).toBe('other');
    expect(c.map('x'.repeat(64))).toBe('other');
    expect(c.map(undefined)).toBe('other');
    expect(c.map('../etc')).toBe('other');
  });

  it('normalises methods, statuses and enums', () => {
    expect(normaliseMethod('GET')).toBe('GET');
    expect(normaliseMethod('PROPFIND')).toBe('OTHER');
    expect(statusLabel(404)).toBe('404');
    expect(statusLabel(999)).toBe('other');
    expect(enumLabel(['csv', 'kml'] as const, 'CSV')).toBe('csv');
    expect(enumLabel(['csv', 'kml'] as const, 'exe')).toBe('other');
    expect(enumLabel(['csv'] as const, 42)).toBe('other');
  });
});
