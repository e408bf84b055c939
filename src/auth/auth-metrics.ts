// The single call site for auth metrics (DESIGN.md §5). The observability module binds AUTH_METRICS
// (its MetricsService has these methods: `{ provide: AUTH_METRICS, useExisting: MetricsService }`);
// without a binding the calls are no-ops. Label values are fixed sets.
import type { AuthFailureReason } from './auth.problems.js';

/** auth_attempts_total{result} values (the observability catalogue's AUTH_RESULTS). */
export type AuthAttemptResult =
  | 'success'
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_signature'
  | 'invalid_algorithm'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'invalid_claims'
  | 'invalid';
export type RateLimitKeyType = 'ip' | 'subject';

export interface AuthMetrics {
  /** auth_attempts_total{result} */
  recordAuthAttempt(result: AuthAttemptResult): void;
  /** authz_denied_total{permission}: a permission name of permissions.ts, or "undeclared_route" */
  recordAuthzDenied(permission: string): void;
  /** rate_limit_exceeded_total{key_type} */
  recordRateLimited(keyType: RateLimitKeyType): void;
}

export const AUTH_METRICS = Symbol('AUTH_METRICS');

export const NO_AUTH_METRICS: AuthMetrics = {
  recordAuthAttempt: () => undefined,
  recordAuthzDenied: () => undefined,
  recordRateLimited: () => undefined,
};

const RESULT_OF: Record<AuthFailureReason | 'unavailable', AuthAttemptResult> = {
  missing: 'missing',
  malformed: 'malformed',
  expired: 'expired',
  not_yet_valid: 'not_yet_valid',
  bad_signature: 'invalid_signature',
  unknown_key: 'invalid_signature',
  unsupported_algorithm: 'invalid_algorithm',
  wrong_issuer: 'invalid_issuer',
  wrong_audience: 'invalid_audience',
  invalid_claims: 'invalid_claims',
  unavailable: 'invalid',
};

export function attemptResult(reason: AuthFailureReason | 'unavailable'): AuthAttemptResult {
  return RESULT_OF[reason];
}
