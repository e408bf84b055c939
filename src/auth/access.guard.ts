// The global default-deny guard: @Public() is open, @RequirePermissions() needs a valid token holding every
// named permission, and a route with neither is refused. Runs after the rate limits (rate-limit.guard.ts).
import { Inject, Injectable, Logger, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AUTH_METRICS, NO_AUTH_METRICS, type AuthMetrics } from './auth-metrics.js';
import { missingPermissions } from './auth-user.js';
import { PermissionProblem, UndeclaredRouteProblem } from './auth.problems.js';
import { JwtAuthenticator } from './jwt-authenticator.js';
import { RouteAccessCache } from './route-access.js';

@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('AccessGuard');
  private readonly metrics: AuthMetrics;
  private readonly routes: RouteAccessCache;

  constructor(
    reflector: Reflector,
    private readonly authenticator: JwtAuthenticator,
    @Optional() @Inject(AUTH_METRICS) metrics?: AuthMetrics,
  ) {
    this.metrics = metrics ?? NO_AUTH_METRICS;
    this.routes = new RouteAccessCache(reflector);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const handler = context.getHandler();
    const controller = context.getClass();
    const access = this.routes.of(handler, controller);
    if (access.kind === 'public') return true;
    if (access.kind === 'undeclared') {
      this.logger.error(
        `Refused ${request.method} ${request.routeOptions?.url ?? request.url}: ${controller.name}.${handler.name} declares ${access.why}. ` +
          'Every route needs @RequirePermissions(...) or @Public(); it stays closed until it has one.',
      );
      this.metrics.recordAuthzDenied('undeclared_route');
      throw new UndeclaredRouteProblem();
    }

    // The rate-limit guard has already verified the token when it counted the subject (unless limits are
    // off or the route is exempt): one verification, one auth_attempts_total sample per request.
    const user = request.user ?? (await this.authenticator.authenticate(request.headers));
    request.user = user;

    const missing = missingPermissions(user, access.permissions);
    if (missing.length > 0) {
      for (const permission of missing) this.metrics.recordAuthzDenied(permission);
      throw new PermissionProblem(missing);
    }
    return true;
  }
}
