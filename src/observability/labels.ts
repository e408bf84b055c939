// Label values are bounded before they reach prom-client: fixed enums, validated slugs and a hard cap on
// distinct values, so no input (a scanner, a typo, a hostile county_id) can grow the series count.
import { COUNTY_ID_PATTERN } from '../common/county-id.js';

/** Value recorded when an input is not in the allowed set, or the cap of distinct values is reached. */
export const OVERFLOW = 'other';
/** Route label of requests that matched no route. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Caps of distinct values per label kind (per process). */
export const MAX_ROUTES = 200;
export const MAX_COUNTIES = 100;
export const MAX_SERVICES = 50;
export const MAX_OPERATIONS = 50;

/** Service and operation names chosen by code: short snake/kebab identifiers. */
const IDENTIFIER = /^[a-z][a-z0-9_.-]{0,62}$/;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The standard methods as they are; anything else (PROPFIND, garbage) as `OTHER`. */
export function normaliseMethod(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

const STATUS_STRINGS: string[] = [];
for (let s = 0; s < 600; s++) STATUS_STRINGS.push(String(s));

/** A valid HTTP status as its decimal string; anything else as `other`. */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status < 600 ? STATUS_STRINGS[status] : OVERFLOW;
}

/**
 * Admits values into a label until `max` distinct ones have been seen; later new values become
 * `other`. Values seen before stay themselves, so existing series keep their names.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    readonly max: number,
    private readonly valid: (value: string) => boolean = () => true,
  ) {}

  map(value: string | undefined | null): string {
    if (typeof value !== 'string' || value.length === 0) return OVERFLOW;
    if (this.seen.has(value)) return value;
    if (!this.valid(value) || this.seen.size >= this.max) return OVERFLOW;
    this.seen.add(value);
    return value;
  }

  get size(): number {
    return this.seen.size;
  }
}

/** One bounded value set of a fixed enum: the value itself when allowed (case-insensitive), else `other`. */
export function enumLabel<T extends string>(allowed: readonly T[], value: unknown): T | typeof OVERFLOW {
  if (typeof value !== 'string') return OVERFLOW;
  const v = value.toLowerCase();
  return (allowed as readonly string[]).includes(v) ? (v as T) : OVERFLOW;
}

export const newRouteLabels = (): BoundedLabel => new BoundedLabel(MAX_ROUTES);
export const newCountyLabels = (): BoundedLabel => new BoundedLabel(MAX_COUNTIES, (v) => COUNTY_ID_PATTERN.test(v));
export const newServiceLabels = (): BoundedLabel => new BoundedLabel(MAX_SERVICES, (v) => IDENTIFIER.test(v));
export const newOperationLabels = (): BoundedLabel => new BoundedLabel(MAX_OPERATIONS, (v) => IDENTIFIER.test(v));
