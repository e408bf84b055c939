import { describe, expect, it } from '@jest/globals';
import { AuthProblem } from './auth.problems.js';
import { missingPermissions, userFromClaims } from './auth-user.js';
import { DEFAULT_ROLE_PERMISSIONS, Permission } from './permissions.js';

const exp = Math.floor(Date.now() / 1000) + 60;
const user = (claims: Record<string, unknown>) =>
  userFromClaims({ sub: 'u1', exp, ...claims }, DEFAULT_ROLE_PERMISSIONS);

describe('userFromClaims', () => {
  it('unions permissions, scope and role permissions', () => {
    const u = user({ permissions: ['data:read'], scope: 'metrics:read  health:details', roles: ['analyst'] });
    expect(u.permissions.has('data:read')).toBe(true);
    expect(u.permissions.has('metrics:read')).toBe(true);
    expect(u.permissions.has('health:details')).toBe(true);
    expect(u.permissions.has('reporting:execute')).toBe(true);
    expect(u.permissions.has('data:import')).toBe(false);
  });

  it('reads counties, with "*" meaning all', () => {
    expect(user({ counties: ['a', 'b'] }).counties).toEqual(new Set(['a', 'b']));
    expect(user({ counties: ['*'] }).counties).toBe('*');
    expect(user({ counties: '*' }).counties).toBe('*');
    expect(user({}).counties).toEqual(new Set());
  });

  it('gives an unknown role nothing', () => {
    expect(user({ roles: ['root'] }).permissions.size).toBe(0);
  });

  it('refuses tokens without exp or sub, and mistyped claims', () => {
    const reason = (claims: Record<string, unknown>) => {
      try {
        userFromClaims(claims, DEFAULT_ROLE_PERMISSIONS);
      } catch (e) {
        return [(e as AuthProblem).reason, (e as AuthProblem).detail];
      }
      return undefined;
    };
    expect(reason({ sub: 'x' })).toEqual([
      'invalid_claims',
      'The token has no "exp" (expiry) claim; tokens must expire.',
    ]);
    expect(reason({ exp })).toEqual(['invalid_claims', 'The token has no usable "sub" (subject) claim.']);
    expect(reason({ sub: 'x', exp, permissions: 'data:read,data:import' })?.[0]).toBe('invalid_claims');
    expect(reason({ sub: 'x', exp, permissions: [1] })?.[1]).toBe(
      'The token\'s "permissions" claim must be an array of strings.',
    );
    expect(reason({ sub: 'x', exp, counties: { a: 1 } })?.[0]).toBe('invalid_claims');
    expect(reason({ sub: 'x', exp, scope: ['a'] })?.[0]).toBe('invalid_claims');
  });

  it('lists the missing permissions in declaration order', () => {
    const u = user({ roles: ['viewer'] });
    expect(missingPermissions(u, [Permission.DataImport, Permission.DataRead, Permission.ValuationExecute])).toEqual([
      'data:import',
      'valuation:execute',
    ]);
  });
});
