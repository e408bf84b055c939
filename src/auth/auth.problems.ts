// The 401/403/429 answers of the auth layer: precise about what was wrong, silent about keys and internals.
import { ProblemException } from '../common/problem.js';

export type AuthFailureReason =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'invalid_claims';

/** 401: `WWW-Authenticate: Bearer` for a missing token, with `error="invalid_token"` otherwise (RFC 6750 §3). */
export class AuthProblem extends ProblemException {
  constructor(
    readonly reason: AuthFailureReason,
    detail: string,
  ) {
    super(
      401,
      reason === 'missing' ? 'missing-token' : 'invalid-token',
      'Unauthorized',
      detail,
      { reason },
      {
        'www-authenticate':
          reason === 'missing'
            ? 'Bearer'
            : `Bearer error="invalid_token", error_description="${detail.replace(/["\\]/g, '')}"`,
        'cache-control': 'no-store',
      },
    );
  }
}

/** 403 naming the permissions the token lacks. */
export class PermissionProblem extends ProblemException {
  constructor(readonly missing: readonly string[]) {
    super(403, 'forbidden', 'Forbidden', `Requires permission${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, {
      missing_permissions: [...missing],
    });
  }
}

/** 403 for a route that declares neither @RequirePermissions nor @Public: closed until someone decides. */
export class UndeclaredRouteProblem extends ProblemException {
  constructor() {
    super(403, 'forbidden', 'Forbidden', 'This route declares no access rule and is closed.', {
      missing_permissions: [],
    });
  }
}

/** 503 when JWKS keys were never obtained: the token may be fine, the service cannot tell yet. */
export class AuthUnavailableProblem extends ProblemException {
  constructor() {
    super(
      503,
      'auth-unavailable',
      'Service Unavailable',
      'Token signing keys are not available yet; try again shortly.',
      {},
      { 'retry-after': '5' },
    );
  }
}

export class RateLimitProblem extends ProblemException {
  constructor(retryAfterSeconds: number, keyType: 'ip' | 'subject', limit: number, windowSeconds: number) {
    super(
      429,
      'too-many-requests',
      'Too Many Requests',
      `Rate limit of ${limit} requests per ${windowSeconds} s per ${keyType === 'ip' ? 'client address' : 'token subject'} exceeded; retry after ${retryAfterSeconds} s.`,
      { retry_after_seconds: retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}
