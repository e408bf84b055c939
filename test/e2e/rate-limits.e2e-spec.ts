// The request rate limits over real HTTP with really signed tokens: which requests count against the client
// address and which against the token subject, in what order against authentication, what a 429 says, and
// what is exempt.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseExposition, sampleValue } from '../../src/observability/exposition-parser.js';
import { createTestApp, type HttpResponse, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const COUNTIES = '/api/v1/counties';

@Controller('rate-probe')
class UndeclaredController {
  // Neither @Public() nor @RequirePermissions(): the access guard refuses it (403).
  @Get('undeclared')
  undeclared() {
    return { reached: true };
  }
}

@Module({ controllers: [UndeclaredController] })
class UndeclaredModule {}

/** A client address, as told by a trusted proxy. */
const from = (address: string): Record<string, string> => ({ 'x-forwarded-for': address });

function expect429(res: HttpResponse, detail: string | RegExp): void {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = res.json<Record<string, unknown>>();
  expect(body).toMatchObject({ type: 'https://terrafusion.dev/problems/too-many-requests', status: 429 });
  expect(body.detail).toMatch(detail);
  expect(body.retry_after_seconds).toBe(Number(res.headers.get('retry-after')));
}

/** Rate-limit headers besides Retry-After: none, as before the limits moved to @nestjs/throttler. */
const extraLimitHeaders = (res: HttpResponse) =>
  [...res.headers.keys()].filter((h) => h.startsWith('x-ratelimit') || h.startsWith('retry-after-'));

async function counters(t: TestApp): Promise<(name: string, labels: Record<string, string>) => number> {
  const res = await t.request('GET', '/metrics');
  expect(res.status).toBe(200);
  const families = parseExposition(res.text);
  return (name, labels) => sampleValue(families, name, labels) ?? 0;
}

describe('rate limits behind a trusted proxy (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(
      { RATE_LIMIT_PER_IP: '3', RATE_LIMIT_PER_SUBJECT: '2', RATE_LIMIT_WINDOW_S: '60', TRUST_PROXY: 'true' },
      { imports: [UndeclaredModule] },
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives each client address its own budget across routes, then 429 with Retry-After until the window ends', async () => {
    const before = await counters(t);
    const first = await t.request('GET', '/info', { headers: from('203.0.113.1') });
    expect(first.status).toBe(200);
    expect(extraLimitHeaders(first)).toEqual([]);
    expect((await t.request('GET', COUNTIES, { headers: from('203.0.113.1') })).status).toBe(401);
    expect((await t.request('GET', '/info', { headers: from('203.0.113.1') })).status).toBe(200);
    const limited = await t.request('GET', '/info', { headers: from('203.0.113.1') });
    expect429(limited, 'Rate limit of 3 requests per 60 s per client address exceeded; retry after 60 s.');
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(extraLimitHeaders(limited)).toEqual([]);
    // Another address is not affected.
    expect((await t.request('GET', '/info', { headers: from('203.0.113.2') })).status).toBe(200);
    const after = await counters(t);
    expect(
      after('rate_limit_exceeded_total', { key_type: 'ip' }) - before('rate_limit_exceeded_total', { key_type: 'ip' }),
    ).toBe(1);
  });

  it('counts an unauthenticated flood against its address: 401s, then 429 whatever the token', async () => {
    const headers = from('203.0.113.3');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.request('GET', COUNTIES, { headers })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    // The address is over its budget before the token is looked at: a valid one does not get through either.
    const valid = await t.request('GET', COUNTIES, {
      headers: { ...headers, ...authHeader({ sub: 'ursula', role: 'viewer' }) },
    });
    expect429(valid, 'Rate limit of 3 requests per 60 s per client address exceeded; retry after 60 s.');
    // ...and ursula's own budget was not touched.
    for (let i = 0; i < 2; i++) {
      const res = await t.request('GET', COUNTIES, {
        headers: { ...from(`203.0.113.${10 + i}`), ...authHeader({ sub: 'ursula', role: 'viewer' }) },
      });
      expect(res.status).toBe(200);
    }
  });

  it('counts requests that need a token against its verified sub from any address, 403s included', async () => {
    const before = await counters(t);
    const alice = (role: string) => authHeader({ sub: 'alice', role });
    const ok = await t.request('GET', COUNTIES, { headers: { ...from('203.0.113.20'), ...alice('viewer') } });
    expect(ok.status).toBe(200);
    expect(extraLimitHeaders(ok)).toEqual([]);
    // A valid token without data:read: 403, and it counts.
    const forbidden = await t.request('GET', COUNTIES, {
      headers: { ...from('203.0.113.21'), ...alice('monitoring') },
    });
    expect(forbidden.status).toBe(403);
    const limited = await t.request('GET', COUNTIES, { headers: { ...from('203.0.113.22'), ...alice('viewer') } });
    expect429(limited, 'Rate limit of 2 requests per 60 s per token subject exceeded; retry after 60 s.');
    const after = await counters(t);
    const delta = (name: string, labels: Record<string, string>) => after(name, labels) - before(name, labels);
    expect(delta('rate_limit_exceeded_total', { key_type: 'subject' })).toBe(1);
    expect(delta('rate_limit_exceeded_total', { key_type: 'ip' })).toBe(0);
    // One token verification per request: the access guard reuses what the rate-limit guard verified.
    expect(delta('auth_attempts_total', { result: 'success' })).toBe(3);

    // A public route is anonymous: it counts against the address only.
    expect((await t.request('GET', '/info', { headers: { ...from('203.0.113.22'), ...alice('viewer') } })).status).toBe(
      200,
    );
    // Probes and scrapes are never limited, not even for a subject over its budget.
    for (let i = 0; i < 5; i++) {
      const headers = { ...from('203.0.113.22'), ...alice('monitoring') };
      expect((await t.request('GET', '/health/detailed', { headers })).status).toBe(200);
      expect((await t.request('GET', '/health/live', { headers })).status).toBe(200);
      expect((await t.request('GET', '/metrics', { headers })).status).toBe(200);
    }
  });

  it('counts a route that declares no access rule against the address only', async () => {
    const gina = authHeader({ sub: 'gina', role: 'admin' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await t.request('GET', '/rate-probe/undeclared', { headers: { ...from('203.0.113.30'), ...gina } })).status,
      );
    }
    expect(statuses).toEqual([403, 403, 403, 429]);
    for (let i = 0; i < 2; i++) {
      expect((await t.request('GET', COUNTIES, { headers: { ...from('203.0.113.31'), ...gina } })).status).toBe(200);
    }
  });
});

describe('rate limits without a trusted proxy (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_PER_IP: '1', RATE_LIMIT_PER_SUBJECT: '1', RATE_LIMIT_WINDOW_S: '2' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keys on the socket address, ignoring X-Forwarded-For, and gives the budget back after Retry-After', async () => {
    expect((await t.request('GET', '/info', { headers: from('198.51.100.1') })).status).toBe(200);
    const limited = await t.request('GET', '/info', { headers: from('198.51.100.2') });
    expect429(limited, /^Rate limit of 1 requests per 2 s per client address exceeded; retry after [12] s\.$/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    await sleep(retryAfter * 1000 + 100);
    expect((await t.request('GET', '/info')).status).toBe(200);
    expect((await t.request('GET', '/info')).status).toBe(429);
  });
});

describe('rate limits switched off (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_PER_IP: '1', RATE_LIMIT_PER_SUBJECT: '1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets every request through to authentication and permissions', async () => {
    const viewer = authHeader({ sub: 'vera', role: 'viewer' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.request('GET', COUNTIES, { headers: viewer })).status);
    for (let i = 0; i < 3; i++) statuses.push((await t.request('GET', COUNTIES)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 401, 401, 401]);
  });
});
