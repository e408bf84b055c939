// The auth layer's metric families: declared here as Prometheus providers, injected with
// @InjectMetric and recorded through AUTH_METRICS, whose label values are fixed sets. Without a binding
// (a unit test of a guard) the calls are no-ops.
import { Injectable, type Provider } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { enumLabel, OVERFLOW } from '../observability/labels.js';
import {
  AUTH_ATTEMPTS,
  AUTH_RESULTS,
  AUTHZ_DENIED,
  RATE_LIMIT_EXCEEDED,
  RATE_LIMIT_KEY_TYPES,
} from '../observability/metric-names.js';
import { counterProvider } from '../observability/metric-providers.js';
import type { AuthFailureReason } from './auth.problems.js';
import { ALL_PERMISSIONS } from './permissions.js';

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

@Injectable()
export class PrometheusAuthMetrics implements AuthMetrics {
  constructor(
    @InjectMetric(AUTH_ATTEMPTS.name) private readonly attempts: Counter<string>,
    @InjectMetric(AUTHZ_DENIED.name) private readonly denied: Counter<string>,
    @InjectMetric(RATE_LIMIT_EXCEEDED.name) private readonly rateLimited: Counter<string>,
  ) {}

  recordAuthAttempt(result: AuthAttemptResult): void {
    this.attempts.inc({ result: enumLabel(AUTH_RESULTS, result) });
  }

  recordAuthzDenied(permission: string): void {
    const known = (ALL_PERMISSIONS as readonly string[]).includes(permission) || permission === 'undeclared_route';
    this.denied.inc({ permission: known ? permission : OVERFLOW });
  }

  recordRateLimited(keyType: RateLimitKeyType): void {
    this.rateLimited.inc({ key_type: enumLabel(RATE_LIMIT_KEY_TYPES, keyType) });
  }
}

/** The auth module's metric families and the AUTH_METRICS binding that records them. */
export const AUTH_METRIC_PROVIDERS: Provider[] = [
  counterProvider(AUTH_ATTEMPTS),
  counterProvider(AUTHZ_DENIED),
  counterProvider(RATE_LIMIT_EXCEEDED),
  { provide: AUTH_METRICS, useClass: PrometheusAuthMetrics },
];

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
