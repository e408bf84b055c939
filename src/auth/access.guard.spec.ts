import { describe, expect, it } from '@jest/globals';
import { Controller, Get, type ExecutionContext, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import type { AuthMetrics } from './auth-metrics.js';
import { Public, RequirePermissions } from './auth.decorators.js';
import { AuthProblem, PermissionProblem, UndeclaredRouteProblem } from './auth.problems.js';
import type { AuthUser } from './auth-user.js';
import type { JwtAuthenticator } from './jwt-authenticator.js';
import { Permission } from './permissions.js';

@Controller('things')
class MixedController {
  @Public()
  @Get('open')
  open() {}

  @RequirePermissions(Permission.DataRead, Permission.DataImport)
  @Get('both')
  both() {}

  @Get('forgotten')
  forgotten() {}
}

@RequirePermissions(Permission.DataRead)
@Controller('scoped')
class ClassLevelController {
  @Get('read')
  read() {}

  @RequirePermissions(Permission.DataImport)
  @Get('import')
  importing() {}

  @Public()
  @Get('open')
  open() {}
}

function userWith(...permissions: string[]): AuthUser {
  return { sub: 'u1', permissions: new Set(permissions), counties: '*', roles: [] };
}

interface Harness {
  guard: AccessGuard;
  calls: { authenticate: number; denied: string[] };
  run: (controller: Type, handler: string, headers?: Record<string, string>) => Promise<unknown>;
}

function harness(user: AuthUser | Error): Harness {
  const calls = { authenticate: 0, denied: [] as string[] };
  const authenticator = {
    authenticate: async () => {
      calls.authenticate += 1;
      if (user instanceof Error) throw user;
      return user;
    },
  } as unknown as JwtAuthenticator;
  const metrics: AuthMetrics = {
    recordAuthAttempt: () => undefined,
    recordAuthzDenied: (p) => calls.denied.push(p),
    recordRateLimited: () => undefined,
  };
  const guard = new AccessGuard(new Reflector(), authenticator, metrics);
  const run = async (controller: Type, handler: string, headers = {}) => {
    const request: Record<string, unknown> = {
      headers,
      method: 'GET',
      url: '/x',
      routeOptions: { url: `/${(Reflect.getMetadata('path', controller) as string) ?? ''}` },
    };
    const context = {
      getType: () => 'http',
      getHandler: () => (controller.prototype as Record<string, unknown>)[handler],
      getClass: () => controller,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    const allowed = await guard.canActivate(context);
    return { allowed, user: request.user };
  };
  return { guard, calls, run };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('AccessGuard', () => {
  it('lets @Public() routes through without looking at a token', async () => {
    const h = harness(new Error('must not be called'));
    await expect(h.run(MixedController, 'open')).resolves.toEqual({ allowed: true, user: undefined });
    expect(h.calls.authenticate).toBe(0);
  });

  it('refuses a route with neither decorator, even for a caller with every permission', async () => {
    const h = harness(userWith(...Object.values(Permission)));
    const error = await rejection(h.run(MixedController, 'forgotten'));
    expect(error).toBeInstanceOf(UndeclaredRouteProblem);
    expect((error as UndeclaredRouteProblem).statusCode).toBe(403);
    expect(h.calls.authenticate).toBe(0);
    expect(h.calls.denied).toEqual(['undeclared_route']);
  });

  it('requires all listed permissions and names the missing ones', async () => {
    const h = harness(userWith('data:read'));
    const error = (await rejection(h.run(MixedController, 'both'))) as PermissionProblem;
    expect(error).toBeInstanceOf(PermissionProblem);
    expect(error.detail).toBe('Requires permission data:import');
    expect(error.extra).toEqual({ missing_permissions: ['data:import'] });
    expect(h.calls.denied).toEqual(['data:import']);
    const ok = harness(userWith('data:read', 'data:import'));
    await expect(ok.run(MixedController, 'both')).resolves.toMatchObject({ allowed: true, user: { sub: 'u1' } });
  });

  it('applies controller-level permissions, adds handler-level ones, and lets a handler be @Public()', async () => {
    const reader = harness(userWith('data:read'));
    await expect(reader.run(ClassLevelController, 'read')).resolves.toMatchObject({ allowed: true });
    const error = (await rejection(reader.run(ClassLevelController, 'importing'))) as PermissionProblem;
    expect(error.missing).toEqual(['data:import']);
    const importer = harness(userWith('data:import'));
    expect(((await rejection(importer.run(ClassLevelController, 'importing'))) as PermissionProblem).missing).toEqual([
      'data:read',
    ]);
    const anyone = harness(new Error('no token needed'));
    await expect(anyone.run(ClassLevelController, 'open')).resolves.toMatchObject({ allowed: true });
  });

  it('passes authentication failures through untouched', async () => {
    const h = harness(new AuthProblem('expired', 'The token expired at 2020-01-01T00:00:00.000Z.'));
    const error = (await rejection(h.run(MixedController, 'both'))) as AuthProblem;
    expect(error.reason).toBe('expired');
  });
});
