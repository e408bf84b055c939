// @CurrentUser(): the verified caller of a @RequirePermissions route.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from './auth-user.js';

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const user = context.switchToHttp().getRequest<FastifyRequest>().user;
  if (!user) {
    // Only reachable when a @Public() route asks for a caller: a programming error, not a client one.
    throw new Error('@CurrentUser() used on a route without @RequirePermissions()');
  }
  return user;
});
