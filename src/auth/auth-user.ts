// The authenticated caller as the rest of the code sees it, built from verified token claims.
import type { Permission } from './permissions.js';
import { permissionsForRoles, type RoleTable } from './role-table.js';
import { AuthProblem } from './auth.problems.js';

export interface AuthUser {
  sub: string;
  /** Effective permissions: `permissions` ∪ `scope` ∪ permissions of known `roles`. */
  permissions: ReadonlySet<string>;
  /** Counties in reach: '*' for all, else the exact ids of the `counties` claim. */
  counties: '*' | ReadonlySet<string>;
  roles: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on routes that require permissions, by the rate-limit guard or else the access guard. */
    user?: AuthUser;
  }
}

const MAX_CLAIM_ITEMS = 500;

/** A string-array claim; `roles` and `counties` may also be a single string (some identity providers do that). */
function stringList(payload: Record<string, unknown>, claim: string, allowSingle = false): string[] {
  const value = payload[claim];
  if (value === undefined || value === null) return [];
  if (allowSingle && typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length <= MAX_CLAIM_ITEMS && value.every((v) => typeof v === 'string')) {
    return value as string[];
  }
  throw new AuthProblem('invalid_claims', `The token's "${claim}" claim must be an array of strings.`);
}

/** Maps verified claims to an AuthUser; rejects tokens whose claims are missing or mistyped. */
export function userFromClaims(payload: Record<string, unknown>, roleTable: RoleTable): AuthUser {
  if (typeof payload.exp !== 'number') {
    throw new AuthProblem('invalid_claims', 'The token has no "exp" (expiry) claim; tokens must expire.');
  }
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) {
    throw new AuthProblem('invalid_claims', 'The token has no usable "sub" (subject) claim.');
  }
  const roles = stringList(payload, 'roles', true);
  const permissions = new Set<string>(stringList(payload, 'permissions'));
  if (payload.scope !== undefined) {
    if (typeof payload.scope !== 'string') {
      throw new AuthProblem('invalid_claims', 'The token\'s "scope" claim must be a space-separated string.');
    }
    for (const s of payload.scope.split(' ')) if (s) permissions.add(s);
  }
  for (const p of permissionsForRoles(roleTable, roles)) permissions.add(p);
  const countyList = stringList(payload, 'counties', true);
  const counties = countyList.includes('*') ? '*' : new Set(countyList);
  return { sub: payload.sub, permissions, counties, roles };
}

/** Required permissions the user lacks, in declaration order. */
export function missingPermissions(user: AuthUser, required: readonly Permission[]): Permission[] {
  return required.filter((p) => !user.permissions.has(p));
}
