// Default deny, checked statically: every route the app serves declares @RequirePermissions(...) or
// @Public(), and the route → permission listing is committed so a permission change shows in review.
// After an intended change: UPDATE_ROUTE_PERMISSIONS=1 npm test -- test/e2e/route-permissions
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouteAccessCheck } from '../../src/auth/route-access.check.js';
import { Public, RequirePermissions } from '../../src/auth/auth.decorators.js';
import { Permission } from '../../src/auth/permissions.js';
import { describeAccess, describeRoute, listRoutes, type RouteEntry } from '../../src/auth/route-access.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const SNAPSHOT = join(dirname(fileURLToPath(import.meta.url)), 'route-permissions.snapshot.json');

/** Routes registered on Fastify directly (outside Nest and its guard) that are meant to be public. */
const RAW_PUBLIC_PREFIXES = ['/docs'];

describe('route permissions (default deny)', () => {
  let t: TestApp;
  let routes: RouteEntry[];
  let served: { method: string; url: string }[];

  beforeAll(async () => {
    t = await createTestApp();
    const check = t.app.get(RouteAccessCheck);
    routes = check.routes();
    served = check.servedRoutes().filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds the routes (the walk itself works)', () => {
    expect(routes.length).toBeGreaterThan(5);
    expect(routes).toContainEqual(
      expect.objectContaining({
        method: 'GET',
        path: '/health/detailed',
        access: { kind: 'permissions', permissions: ['health:details'] },
      }),
    );
  });

  it('would catch a forgotten route', () => {
    @Controller('forgetful')
    class ForgetfulController {
      @Get()
      forgotten() {}

      @Public()
      @RequirePermissions(Permission.DataRead)
      @Post()
      contradictory() {}
    }
    const walked = listRoutes([{ metatype: ForgetfulController, instance: {} }], new Reflector());
    expect(walked.map((r) => `${r.method} ${r.path}: ${describeRoute(r)}`)).toEqual([
      'GET /forgetful: UNDECLARED (neither @RequirePermissions() nor @Public())',
      'POST /forgetful: UNDECLARED (both @Public() and @RequirePermissions())',
    ]);
  });

  it('every Nest route declares @RequirePermissions(...) or @Public()', () => {
    const undeclared = routes
      .filter((r) => r.access.kind === 'undeclared')
      .map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler}): ${describeAccess(r.access)}`);
    expect(undeclared).toEqual([]);
  });

  it('every route Fastify serves is a Nest route (behind the guard) or a known public one', () => {
    const nest = new Set(routes.map((r) => `${r.method} ${r.path}`));
    const normalize = (url: string) => (url.length > 1 ? url.replace(/\/+$/, '') : url);
    const bypassing = served
      .filter((r) => !nest.has(`${r.method} ${normalize(r.url)}`))
      .filter(
        (r) => !RAW_PUBLIC_PREFIXES.some((p) => r.url === p || r.url.startsWith(p + '/') || r.url.startsWith(p + '.')),
      )
      .map((r) => `${r.method} ${r.url}`);
    expect(bypassing).toEqual([]);
    // And every Nest route really is served where the walk says it is.
    const servedKeys = new Set(served.map((r) => `${r.method} ${normalize(r.url)}`));
    expect(routes.map((r) => `${r.method} ${r.path}`).filter((k) => !servedKeys.has(k))).toEqual([]);
  });

  it('matches the committed route → permission listing', () => {
    const listing: Record<string, string> = {};
    for (const r of routes) listing[`${r.method} ${r.path}`] = describeRoute(r);
    for (const r of served) {
      const key = `${r.method} ${r.url}`;
      if (!(key in listing) && !(`${r.method} ${r.url.replace(/\/+$/, '')}` in listing)) {
        listing[key] = 'public (served outside Nest)';
      }
    }
    const ordered = Object.fromEntries(Object.entries(listing).sort(([a], [b]) => a.localeCompare(b)));
    if (process.env.UPDATE_ROUTE_PERMISSIONS === '1' || (!existsSync(SNAPSHOT) && !process.env.CI)) {
      writeFileSync(SNAPSHOT, JSON.stringify(ordered, null, 2) + '\n');
    }
    const committed = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, string>;
    expect(ordered).toEqual(committed);
  });
});
