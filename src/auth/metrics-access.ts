// Access to /metrics (also on MANAGEMENT_PORT): open unless METRICS_AUTH_TOKEN is set; then the static
// bearer token (constant-time compare) or a JWT holding metrics:read.
import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { authConfig, type AuthSettings } from './auth.config.js';
import { AUTH_METRICS, NO_AUTH_METRICS, type AuthMetrics } from './auth-metrics.js';
import { AuthProblem, PermissionProblem } from './auth.problems.js';
import { JwtAuthenticator } from './jwt-authenticator.js';
import { Permission } from './permissions.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

@Injectable()
export class MetricsAccess {
  private readonly expected?: Buffer;
  private readonly metrics: AuthMetrics;

  constructor(
    @Inject(authConfig.KEY) settings: AuthSettings,
    private readonly authenticator: JwtAuthenticator,
    @Optional() @Inject(AUTH_METRICS) metrics?: AuthMetrics,
  ) {
    this.expected = settings.metricsToken === undefined ? undefined : digest(settings.metricsToken);
    this.metrics = metrics ?? NO_AUTH_METRICS;
  }

  /**
   * Resolves when these headers may read metrics; otherwise throws a 401/403 ProblemException
   * (render it with toProblem() from src/common/problem.filter.ts outside Nest, e.g. on MANAGEMENT_PORT).
   */
  async check(headers: IncomingHttpHeaders): Promise<void> {
    if (this.expected === undefined) return;
    const header = headers.authorization;
    const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
    if (!match) {
      this.metrics.recordAuthAttempt('missing');
      throw new AuthProblem('missing', 'Metrics require "Authorization: Bearer <METRICS_AUTH_TOKEN>".');
    }
    // Hashing first makes the comparison constant-time regardless of the presented length.
    if (timingSafeEqual(digest(match[1]), this.expected)) {
      this.metrics.recordAuthAttempt('success');
      return;
    }
    if (match[1].split('.').length !== 3) {
      this.metrics.recordAuthAttempt('invalid_signature');
      throw new AuthProblem('bad_signature', 'The metrics token is not valid.');
    }
    const user = await this.authenticator.authenticate(headers);
    if (!user.permissions.has(Permission.MetricsRead)) throw new PermissionProblem([Permission.MetricsRead]);
  }
}

/** Route guard for a `@Public()` /metrics handler: `@Public() @UseGuards(MetricsAuthGuard)`. */
@Injectable()
export class MetricsAuthGuard implements CanActivate {
  constructor(private readonly access: MetricsAccess) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.access.check(context.switchToHttp().getRequest<FastifyRequest>().headers);
    return true;
  }
}
