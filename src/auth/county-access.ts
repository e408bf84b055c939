// The one county access check: every county, parcel and job lookup goes through here, so a county
// outside the token's `counties` is indistinguishable from one that does not exist.
import { NotFoundProblem } from '../common/problem.js';
import type { AuthUser } from './auth-user.js';

/** What county access needs of a caller: the counties of its AuthUser. */
export type CountyScope = Pick<AuthUser, 'counties'>;

/** The 404 for a county that does not exist or is out of the caller's reach (same body for both). */
export function countyNotFound(countyId: string): NotFoundProblem {
  return new NotFoundProblem('County', `County '${countyId}' does not exist.`);
}

export function canAccessCounty(user: CountyScope, countyId: string): boolean {
  return user.counties === '*' || user.counties.has(countyId);
}

/** Throws the "county not found" 404 unless the caller may touch the county. */
export function assertCountyAccess(
  user: CountyScope,
  countyId: string,
  notFound: (countyId: string) => Error = countyNotFound,
): void {
  if (!canAccessCounty(user, countyId)) throw notFound(countyId);
}

/**
 * For list queries: `undefined` means every county, otherwise the ids to restrict to (possibly none).
 * e.g. `WHERE ($1::text[] IS NULL OR county_id = ANY($1))` with `countyFilter(user) ?? null`.
 */
export function countyFilter(user: CountyScope): string[] | undefined {
  return user.counties === '*' ? undefined : [...user.counties];
}
