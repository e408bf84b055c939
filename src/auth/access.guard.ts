// The one global guard: rate limits, then default deny — @Public() is open, @RequirePermissions() needs a
// valid token holding every named permission, and a route with neither is refused.
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { authConfig, type AuthSettings } from './auth.config.js';
import { AUTH_METRICS, NO_AUTH_METRICS, type AuthMetrics } from './auth-metrics.js';
import { missingPermissions } from './auth-user.js';
import { PermissionProblem, RateLimitProblem, UndeclaredRouteProblem } from './auth.problems.js';
import { JwtAuthenticator } from './jwt-authenticator.js';
import { FixedWindowLimiter } from './rate-limiter.js';
import { resolveRouteAccess, type RouteAccess } from './route-access.js';

export const SKIP_RATE_LIMIT_KEY = 'tf:skip-rate-limit';

/** Exempts a route from the request rate limits (probes, scrapes). */
export const SkipRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_RATE_LIMIT_KEY, true);

/** Probes and scrapes are never rate limited: a throttled probe restarts a healthy pod. */
const EXEMPT_PREFIXES = ['/health', '/metrics'];

/** What a route declares; fixed per controller + handler, so resolved once. */
interface RouteDeclaration {
  access: RouteAccess;
  skipRateLimit: boolean;
}

@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('AccessGuard');
  private readonly metrics: AuthMetrics;
  private readonly ipLimiter: FixedWindowLimiter;
  private readonly subjectLimiter: FixedWindowLimiter;
  /** Keyed on both: an inherited handler is the same function under different controllers. */
  private readonly declarations = new WeakMap<object, Map<object, RouteDeclaration>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: JwtAuthenticator,
    @Inject(authConfig.KEY) private readonly settings: AuthSettings,
    @Optional() @Inject(AUTH_METRICS) metrics?: AuthMetrics,
  ) {
    this.metrics = metrics ?? NO_AUTH_METRICS;
    const windowMs = settings.rateLimit.windowS * 1000;
    this.ipLimiter = new FixedWindowLimiter(settings.rateLimit.perIp, windowMs);
    this.subjectLimiter = new FixedWindowLimiter(settings.rateLimit.perSubject, windowMs);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const handler = context.getHandler();
    const controller = context.getClass();
    const declaration = this.declaration(handler, controller);
    const limited = this.settings.rateLimit.enabled && !declaration.skipRateLimit && !isExemptUrl(request);

    if (limited) this.enforce(this.ipLimiter, `ip:${request.ip}`, 'ip');

    const access = declaration.access;
    if (access.kind === 'public') return true;
    if (access.kind === 'undeclared') {
      this.logger.error(
        `Refused ${request.method} ${request.routeOptions?.url ?? request.url}: ${controller.name}.${handler.name} declares ${access.why}. ` +
          'Every route needs @RequirePermissions(...) or @Public(); it stays closed until it has one.',
      );
      this.metrics.recordAuthzDenied('undeclared_route');
      throw new UndeclaredRouteProblem();
    }

    const user = await this.authenticator.authenticate(request.headers);
    request.user = user;
    if (limited) this.enforce(this.subjectLimiter, `sub:${user.sub}`, 'subject');

    const missing = missingPermissions(user, access.permissions);
    if (missing.length > 0) {
      for (const permission of missing) this.metrics.recordAuthzDenied(permission);
      throw new PermissionProblem(missing);
    }
    return true;
  }

  private declaration(handler: object, controller: object): RouteDeclaration {
    let byHandler = this.declarations.get(controller);
    if (!byHandler) {
      byHandler = new Map();
      this.declarations.set(controller, byHandler);
    }
    let declaration = byHandler.get(handler);
    if (!declaration) {
      const skip = this.reflector.getAllAndOverride<boolean | undefined>(SKIP_RATE_LIMIT_KEY, [
        handler as never,
        controller as never,
      ]);
      declaration = { access: resolveRouteAccess(this.reflector, handler, controller), skipRateLimit: Boolean(skip) };
      byHandler.set(handler, declaration);
    }
    return declaration;
  }

  private enforce(limiter: FixedWindowLimiter, key: string, keyType: 'ip' | 'subject'): void {
    const decision = limiter.hit(key);
    if (!decision.allowed) {
      this.metrics.recordRateLimited(keyType);
      throw new RateLimitProblem(decision.retryAfterSeconds, keyType, limiter.limit, this.settings.rateLimit.windowS);
    }
  }
}

function isExemptUrl(request: FastifyRequest): boolean {
  const url = request.routeOptions?.url ?? '';
  return EXEMPT_PREFIXES.some((p) => url === p || url.startsWith(p + '/'));
}
