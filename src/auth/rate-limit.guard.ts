// Request rate limits on @nestjs/throttler: one counter per client address, one per token subject. In
// memory per replica: with N replicas a client gets up to N× the limit, which is what this layer is for
// (abuse, runaway scripts); an exact global quota belongs at the ingress.
import { Inject, Injectable, Optional, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { AuthSettings } from './auth.config.js';
import { AUTH_METRICS, NO_AUTH_METRICS, type AuthMetrics, type RateLimitKeyType } from './auth-metrics.js';
import { RateLimitProblem } from './auth.problems.js';
import { JwtAuthenticator } from './jwt-authenticator.js';
import { RouteAccessCache } from './route-access.js';

/** For @SkipThrottle(): every named throttler (a bare @SkipThrottle() only skips one named "default"). */
export const ALL_RATE_LIMITS: Record<RateLimitKeyType, boolean> = { ip: true, subject: true };

/** ThrottlerModule options from the `auth` settings. Throttler names double as rate_limit_exceeded_total's key_type. */
export function rateLimitOptions(settings: AuthSettings): ThrottlerModuleOptions {
  const { enabled, windowS, perIp, perSubject } = settings.rateLimit;
  const ttl = windowS * 1000;
  return {
    // One window for both keeps this order (the guard sorts throttlers by ttl, stably): the address is
    // counted before the token is looked at, so a flood of bad tokens ends in 429, not endless 401s.
    throttlers: [
      { name: 'ip', ttl, limit: perIp },
      { name: 'subject', ttl, limit: perSubject },
    ],
    skipIf: () => !enabled,
    // The answers carry no X-RateLimit-* headers; a 429 has Retry-After (RateLimitProblem).
    setHeaders: false,
  };
}

/**
 * Registered before the AccessGuard. Every limited request counts against its address; one to a route that
 * requires permissions then has its token verified (401 here on a bad one) and counts against its `sub`.
 * Public routes and undeclared ones (refused by the AccessGuard) count against the address only.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly metrics: AuthMetrics;
  private readonly routes: RouteAccessCache;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly authenticator: JwtAuthenticator,
    @Optional() @Inject(AUTH_METRICS) metrics?: AuthMetrics,
  ) {
    super(options, storage, reflector);
    this.metrics = metrics ?? NO_AUTH_METRICS;
    this.routes = new RouteAccessCache(reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    // Anything but HTTP is refused by the AccessGuard anyway. Probes and /metrics carry @SkipThrottle.
    return context.getType() !== 'http' || super.shouldSkip(context);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    if (props.throttler.name !== 'subject') return super.handleRequest(props);
    const { context } = props;
    if (this.routes.of(context.getHandler(), context.getClass()).kind !== 'permissions') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // The AccessGuard reuses it rather than verifying the token again.
    const user = (request.user ??= await this.authenticator.authenticate(request.headers));
    return super.handleRequest({ ...props, getTracker: () => user.sub });
  }

  /** The client address as Fastify resolved it (TRUST_PROXY honoured), as is (no IPv6 /64 grouping). */
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return (request as unknown as FastifyRequest).ip;
  }

  /** One counter per address or subject across all routes (the library's default counts per route). */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const keyType = detail.key.slice(0, detail.key.indexOf(':')) as RateLimitKeyType;
    this.metrics.recordRateLimited(keyType);
    // Blocked for one window from the request that went over: Retry-After is the time left of that block.
    throw new RateLimitProblem(Math.max(1, detail.timeToBlockExpire), keyType, detail.limit, detail.ttl / 1000);
  }
}
