import { describe, expect, it } from '@jest/globals';
import { Controller, Get, type ExecutionContext, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessGuard, SkipRateLimit } from './access.guard.js';
import type { AuthSettings } from './auth.config.js';
import type { AuthMetrics } from './auth-metrics.js';
import { Public, RequirePermissions } from './auth.decorators.js';
import { AuthProblem, PermissionProblem, RateLimitProblem, UndeclaredRouteProblem } from './auth.problems.js';
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

@Controller('health')
class ProbeController {
  @RequirePermissions(Permission.HealthDetails)
  @Get('detailed')
  detailed() {}
}

@Controller('skip')
class SkipController {
  @SkipRateLimit()
  @RequirePermissions(Permission.DataRead)
  @Get()
  skip() {}
}

function settings(rate: Partial<AuthSettings['rateLimit']> = {}): AuthSettings {
  return {
    keys: { kind: 'secret', secret: 'x'.repeat(32), source: 'env', algorithms: ['HS256'] },
    clockToleranceS: 5,
    jwks: { cacheTtlMs: 1, requestsPerMinute: 1, timeoutMs: 1 },
    roleTable: {},
    rateLimit: { enabled: true, windowS: 60, perIp: 1000, perSubject: 1000, ...rate },
  };
}

function userWith(...permissions: string[]): AuthUser {
  return { sub: 'u1', permissions: new Set(permissions), counties: '*', roles: [] };
}

interface Harness {
  guard: AccessGuard;
  calls: { authenticate: number; denied: string[]; limited: string[] };
  run: (controller: Type, handler: string, headers?: Record<string, string>, ip?: string) => Promise<unknown>;
}

function harness(user: AuthUser | Error, rate?: Partial<AuthSettings['rateLimit']>): Harness {
  const calls = { authenticate: 0, denied: [] as string[], limited: [] as string[] };
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
    recordRateLimited: (k) => calls.limited.push(k),
  };
  const guard = new AccessGuard(new Reflector(), authenticator, settings(rate), metrics);
  const run = async (controller: Type, handler: string, headers = {}, ip = '10.0.0.1') => {
    const request: Record<string, unknown> = {
      headers,
      ip,
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

  it('rate limits per address and per subject with Retry-After', async () => {
    const h = harness(userWith('data:read', 'data:import'), { perIp: 2, perSubject: 3 });
    await h.run(MixedController, 'both', {}, '10.0.0.1');
    await h.run(MixedController, 'both', {}, '10.0.0.1');
    const byIp = (await rejection(h.run(MixedController, 'both', {}, '10.0.0.1'))) as RateLimitProblem;
    expect(byIp).toBeInstanceOf(RateLimitProblem);
    expect(byIp.statusCode).toBe(429);
    expect(byIp.headers['retry-after']).toBe('60');
    expect(h.calls.authenticate).toBe(2);
    await h.run(MixedController, 'both', {}, '10.0.0.2');
    const bySubject = (await rejection(h.run(MixedController, 'both', {}, '10.0.0.3'))) as RateLimitProblem;
    expect(bySubject.detail).toBe('Rate limit of 3 requests per 60 s per token subject exceeded; retry after 60 s.');
    expect(h.calls.limited).toEqual(['ip', 'subject']);
  });

  it('never rate limits probes, scrapes or @SkipRateLimit() routes', async () => {
    const h = harness(userWith('health:details', 'data:read'), { perIp: 1, perSubject: 1 });
    for (let i = 0; i < 5; i++) {
      await expect(h.run(ProbeController, 'detailed')).resolves.toMatchObject({ allowed: true });
      await expect(h.run(SkipController, 'skip')).resolves.toMatchObject({ allowed: true });
    }
  });

  it('does nothing when rate limiting is disabled', async () => {
    const h = harness(userWith('data:read', 'data:import'), { enabled: false, perIp: 1, perSubject: 1 });
    for (let i = 0; i < 5; i++) await h.run(MixedController, 'both');
    expect(h.calls.limited).toEqual([]);
  });
});
