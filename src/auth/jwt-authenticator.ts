// Turns an Authorization header into an AuthUser through the passport-jwt strategy, or a precise 401.
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import passport from 'passport';
import jwt from 'jsonwebtoken';
import { authConfig, MAX_TOKEN_BYTES, type AuthSettings } from './auth.config.js';
import { attemptResult, AUTH_METRICS, NO_AUTH_METRICS, type AuthMetrics } from './auth-metrics.js';
import { AuthProblem, AuthUnavailableProblem } from './auth.problems.js';
import type { AuthUser } from './auth-user.js';
import { JwksUnavailableError, UnknownSigningKeyError } from './jwks-signing-keys.js';
import { JWT_STRATEGY, type JwtRequest } from './jwt.strategy.js';

const { JsonWebTokenError, NotBeforeError, TokenExpiredError } = jwt;

const BEARER = /^Bearer +([A-Za-z0-9\-_.]+) *$/i;

@Injectable()
export class JwtAuthenticator {
  private readonly metrics: AuthMetrics;

  constructor(
    @Inject(authConfig.KEY) private readonly settings: AuthSettings,
    @Optional() @Inject(AUTH_METRICS) metrics?: AuthMetrics,
  ) {
    this.metrics = metrics ?? NO_AUTH_METRICS;
  }

  /** Verifies the bearer token of these headers; throws AuthProblem (401) or AuthUnavailableProblem (503). */
  async authenticate(headers: IncomingHttpHeaders): Promise<AuthUser> {
    try {
      const token = this.extract(headers.authorization);
      const kid = this.precheckHeader(token);
      const user = await this.runStrategy({ headers, kid });
      this.metrics.recordAuthAttempt('success');
      return user;
    } catch (error) {
      if (error instanceof AuthProblem) this.metrics.recordAuthAttempt(attemptResult(error.reason));
      else if (error instanceof AuthUnavailableProblem) this.metrics.recordAuthAttempt(attemptResult('unavailable'));
      throw error;
    }
  }

  private extract(header: string | undefined): string {
    if (header === undefined || header.trim() === '') {
      throw new AuthProblem('missing', 'No bearer token: send "Authorization: Bearer <token>".');
    }
    if (header.length > MAX_TOKEN_BYTES + 16) {
      throw new AuthProblem('malformed', `The token is larger than ${MAX_TOKEN_BYTES} bytes.`);
    }
    const match = BEARER.exec(header);
    if (!match) {
      throw new AuthProblem('malformed', 'The Authorization header must be "Bearer <token>" with a JWT.');
    }
    return match[1];
  }

  /**
   * Cheap structural checks before any cryptography; refuses `alg: none` and algorithms of the other mode.
   * Returns the header's `kid` (for the JWKS key lookup), if it is a string.
   */
  private precheckHeader(token: string): string | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] === '' || parts[1] === '') {
      throw new AuthProblem('malformed', 'The token is not a JWT (expected three dot-separated parts).');
    }
    let header: { alg?: unknown; kid?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
    } catch {
      throw new AuthProblem('malformed', 'The token header is not valid base64url JSON.');
    }
    if (typeof header !== 'object' || header === null) {
      throw new AuthProblem('malformed', 'The token header is not a JSON object.');
    }
    const allowed: readonly string[] = this.settings.keys.algorithms;
    if (typeof header.alg !== 'string' || !allowed.includes(header.alg)) {
      const shown = typeof header.alg === 'string' ? header.alg.slice(0, 16) : 'missing';
      throw new AuthProblem(
        'unsupported_algorithm',
        `The token algorithm "${shown}" is not accepted; this service accepts ${allowed.join(', ')}.`,
      );
    }
    if ((header as { crit?: unknown }).crit !== undefined) {
      // RFC 7515 §4.1.11: critical extensions the verifier does not understand make the token invalid.
      throw new AuthProblem('malformed', 'The token names critical header extensions this service does not support.');
    }
    if (parts[2] === '') throw new AuthProblem('malformed', 'The token has no signature.');
    return typeof header.kid === 'string' ? header.kid : undefined;
  }

  private runStrategy(request: JwtRequest): Promise<AuthUser> {
    return new Promise<AuthUser>((resolve, reject) => {
      const callback = (err: unknown, user: AuthUser | false, info: unknown) => {
        if (err) return reject(toProblem(err));
        if (!user) return reject(toProblem(info));
        resolve(user);
      };
      const middleware = passport.authenticate(JWT_STRATEGY, { session: false }, callback) as (
        req: unknown,
        res: unknown,
        next: (err?: unknown) => void,
      ) => void;
      middleware(request, {}, (err?: unknown) => reject(toProblem(err)));
    });
  }
}

/** Maps passport-jwt / jsonwebtoken / key-store failures to a problem that says what was wrong, never why in key terms. */
export function toProblem(error: unknown): Error {
  if (error instanceof AuthProblem || error instanceof AuthUnavailableProblem) return error;
  if (error instanceof TokenExpiredError) {
    return new AuthProblem('expired', `The token expired at ${error.expiredAt.toISOString()}.`);
  }
  if (error instanceof NotBeforeError) {
    return new AuthProblem('not_yet_valid', `The token is not valid before ${error.date.toISOString()}.`);
  }
  if (error instanceof UnknownSigningKeyError) return new AuthProblem('unknown_key', error.message);
  if (error instanceof JwksUnavailableError) return new AuthUnavailableProblem();
  if (error instanceof Error && error.message.startsWith('"alg" parameter')) {
    // jsonwebtoken's key-type check throws a plain Error (not a JsonWebTokenError) when the header's
    // algorithm does not fit the key its kid names, e.g. RS256 with an EC key.
    return new AuthProblem('unsupported_algorithm', 'The token algorithm does not match its signing key.');
  }
  if (error instanceof JsonWebTokenError) {
    const m = error.message;
    if (m === 'invalid signature') return new AuthProblem('bad_signature', 'The token signature is not valid.');
    if (m.startsWith('jwt audience invalid')) {
      return new AuthProblem('wrong_audience', 'The token audience (aud) is not accepted by this service.');
    }
    if (m.startsWith('jwt issuer invalid')) {
      return new AuthProblem('wrong_issuer', 'The token issuer (iss) is not accepted by this service.');
    }
    if (m === 'invalid algorithm') {
      return new AuthProblem('unsupported_algorithm', 'The token algorithm does not match its signing key.');
    }
    if (/must be a number|must be a string|invalid (exp|nbf|iat)/i.test(m)) {
      return new AuthProblem('invalid_claims', 'The token has a malformed registered claim (exp, nbf or iat).');
    }
    return new AuthProblem('malformed', 'The token could not be decoded as a signed JWT.');
  }
  if (error instanceof Error && error.message === 'No auth token') {
    return new AuthProblem('missing', 'No bearer token: send "Authorization: Bearer <token>".');
  }
  // Anything else is ours (e.g. a key provider bug): a 500 with a generic body, logged by the filter.
  return error instanceof Error ? error : new Error(String(error));
}
