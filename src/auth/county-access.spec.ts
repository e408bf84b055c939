import { describe, expect, it } from '@jest/globals';
import { NotFoundProblem } from '../common/problem.js';
import { assertCountyAccess, canAccessCounty, countyFilter } from './county-access.js';

describe('county access', () => {
  const scoped = { counties: new Set(['a']) as ReadonlySet<string> };
  const all = { counties: '*' as const };

  it('allows counties in the token and everything for "*"', () => {
    expect(canAccessCounty(scoped, 'a')).toBe(true);
    expect(canAccessCounty(scoped, 'b')).toBe(false);
    expect(canAccessCounty(all, 'b')).toBe(true);
    expect(() => assertCountyAccess(scoped, 'a')).not.toThrow();
  });

  it('answers an out-of-scope county with the same 404 as a missing one', () => {
    let error: unknown;
    try {
      assertCountyAccess(scoped, 'b');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NotFoundProblem);
    expect((error as NotFoundProblem).statusCode).toBe(404);
    expect((error as NotFoundProblem).detail).toBe("County 'b' does not exist.");
  });

  it('gives list filters', () => {
    expect(countyFilter(all)).toBeUndefined();
    expect(countyFilter(scoped)).toEqual(['a']);
    expect(countyFilter({ counties: new Set() })).toEqual([]);
  });
});
