// /health/detailed shows internals. The global permission guard checks `health:details` and sets
// request.user; this gate runs after it and, in production, refuses any request that was not
// authenticated, so the route is never open there, with or without the global guard.
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Permission } from '../auth/permissions.js';
import { ProblemException } from '../common/problem.js';
import { appConfig } from '../config/app.config.js';

@Injectable()
export class DetailedHealthGate implements CanActivate {
  constructor(@Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.app.isProduction) return true;
    const request = context.switchToHttp().getRequest<{ user?: unknown }>();
    if (request.user) return true;
    throw new ProblemException(
      403,
      'forbidden',
      'Forbidden',
      `Detailed health requires an authenticated caller with permission ${Permission.HealthDetails}.`,
    );
  }
}
