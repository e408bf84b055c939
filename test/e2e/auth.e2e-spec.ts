// The attack suite of the security issue: every refused request is answered exactly and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Public, RequirePermissions } from '../../src/auth/auth.decorators.js';
import { PARCEL_COLUMNS } from '../../src/counties/parcel-columns.js';
import { MetricsAuthGuard } from '../../src/auth/metrics-access.js';
import { Permission } from '../../src/auth/permissions.js';
import { createTestApp, type HttpResponse, type TestApp } from '../support/test-app.js';
import {
  authHeader,
  bearer,
  craftToken,
  generateSigningKey,
  tamperPayload,
  tokenFor,
  TEST_JWT_SECRET,
  type TestSigningKey,
} from '../support/tokens.js';

const COUNTIES = '/api/v1/counties';
const CSV_HEADER = PARCEL_COLUMNS.join(',');
const csv = (id: string) => `${CSV_HEADER}\n${id},NB1,residential,8000,1800,1995,4,3,3,2,1 Main St,-122.1,47.5\n`;
const CSV = { 'content-type': 'text/csv' };

async function dbState(t: TestApp): Promise<string> {
  const { rows } = await t.db.query(
    `SELECT (SELECT count(*) FROM counties)::int AS counties, (SELECT count(*) FROM parcels)::int AS parcels,
            (SELECT coalesce(string_agg(id || ':' || name || ':' || updated_at, ',' ORDER BY id), '') FROM counties) AS county_rows,
            (SELECT coalesce(string_agg(county_id || ':' || parcel_id, ',' ORDER BY county_id, parcel_id), '') FROM parcels) AS parcel_rows`,
  );
  return JSON.stringify(rows[0]);
}

function expectProblem(res: HttpResponse, status: number, detail: string | RegExp): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = res.json<Record<string, unknown>>();
  expect(body.status).toBe(status);
  if (typeof detail === 'string') expect(body.detail).toBe(detail);
  else expect(body.detail).toMatch(detail);
  return body;
}

function expect401(res: HttpResponse, reason: string, detail: string | RegExp): void {
  const body = expectProblem(res, 401, detail);
  expect(body.reason).toBe(reason);
  const challenge = res.headers.get('www-authenticate');
  if (reason === 'missing') expect(challenge).toBe('Bearer');
  else expect(challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  expect(res.text).not.toContain(TEST_JWT_SECRET);
}

@Controller('auth-probe')
class AuthProbeController {
  @Get('undeclared')
  undeclared() {
    return { reached: true };
  }

  @Public()
  @UseGuards(MetricsAuthGuard)
  @Get('metrics')
  metrics() {
    return { reached: true };
  }
}

@RequirePermissions(Permission.DataRead)
@Controller('auth-probe-class')
class ClassLevelProbeController {
  @Get()
  read() {
    return { reached: true };
  }

  @RequirePermissions(Permission.DataImport)
  @Get('import')
  importing() {
    return { reached: true };
  }
}

@Module({ controllers: [AuthProbeController, ClassLevelProbeController] })
class AuthProbeModule {}

describe('auth attack suite (HS256)', () => {
  let t: TestApp;
  const admin = authHeader({ role: 'admin' });

  beforeAll(async () => {
    t = await createTestApp(
      { METRICS_AUTH_TOKEN: 'metrics-token-0123456789', AUTH_CLOCK_TOLERANCE_S: '5' },
      { imports: [AuthProbeModule] },
    );
    for (const id of ['county-a', 'county-b']) {
      const res = await t.request('PUT', `${COUNTIES}/${id}`, { headers: admin, body: { name: id.toUpperCase() } });
      expect(res.status).toBe(201);
    }
    const seeded = await t.request('POST', `${COUNTIES}/county-b/parcels/import`, {
      headers: { ...admin, ...CSV },
      body: csv('B-1'),
    });
    expect(seeded.status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Tries an import into county-a and a rename of county-a with these headers; nothing may change. */
  async function attempt(headers: Record<string, string>): Promise<HttpResponse> {
    const before = await dbState(t);
    const res = await t.request('POST', `${COUNTIES}/county-a/parcels/import`, {
      headers: { ...headers, ...CSV },
      body: csv('A-EVIL'),
    });
    const put = await t.request('PUT', `${COUNTIES}/county-a`, { headers, body: { name: 'Hijacked' } });
    expect(put.status).toBe(res.status);
    expect(await dbState(t)).toBe(before);
    return res;
  }

  it('no token → 401, WWW-Authenticate: Bearer without error', async () => {
    expect401(await attempt({}), 'missing', 'No bearer token: send "Authorization: Bearer <token>".');
  });

  it('garbage token → 401 malformed', async () => {
    expect401(
      await attempt({ authorization: 'Bearer not-a-jwt' }),
      'malformed',
      'The token is not a JWT (expected three dot-separated parts).',
    );
    expect401(
      await attempt({ authorization: 'Basic YWRtaW46YWRtaW4=' }),
      'malformed',
      'The Authorization header must be "Bearer <token>" with a JWT.',
    );
    expect401(
      await attempt(bearer('eyJub3QiOiJqc29u.e30.c2ln')),
      'malformed',
      /^The token (header is not valid base64url JSON|algorithm "missing" is not accepted)/,
    );
  });

  it('alg none → 401 unsupported algorithm', async () => {
    const payload = { sub: 'evil', roles: ['admin'], counties: ['*'], exp: Math.floor(Date.now() / 1000) + 600 };
    expect401(
      await attempt(bearer(craftToken({ alg: 'none', typ: 'JWT' }, payload))),
      'unsupported_algorithm',
      'The token algorithm "none" is not accepted; this service accepts HS256.',
    );
    expect401(
      await attempt(bearer(craftToken({ alg: 'NONE' }, payload))),
      'unsupported_algorithm',
      'The token algorithm "NONE" is not accepted; this service accepts HS256.',
    );
  });

  it('wrong secret → 401 bad signature', async () => {
    expect401(
      await attempt(authHeader({ role: 'admin', secret: 'another-secret-that-is-long-enough-000' })),
      'bad_signature',
      'The token signature is not valid.',
    );
  });

  it('expired (beyond the clock tolerance) → 401 expired; within tolerance → accepted', async () => {
    expect401(
      await attempt(authHeader({ role: 'admin', expiresInSeconds: -60 })),
      'expired',
      /^The token expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z\.$/,
    );
    const lenient = await t.request('GET', COUNTIES, { headers: authHeader({ role: 'viewer', expiresInSeconds: -2 }) });
    expect(lenient.status).toBe(200);
  });

  it('a token without exp → 401 invalid claims', async () => {
    expect401(
      await attempt(authHeader({ role: 'admin', noExpiry: true })),
      'invalid_claims',
      'The token has no "exp" (expiry) claim; tokens must expire.',
    );
  });

  it('nbf in the future → 401 not yet valid', async () => {
    expect401(
      await attempt(authHeader({ role: 'admin', notBeforeSeconds: 300 })),
      'not_yet_valid',
      /^The token is not valid before \d{4}-\d\d-\d\dT/,
    );
  });

  it('payload tampered after signing → 401 bad signature', async () => {
    const viewer = tokenFor({ role: 'viewer', counties: ['county-b'] });
    const forged = tamperPayload(viewer, (p) => {
      p.roles = ['admin'];
      p.counties = ['*'];
    });
    expect401(await attempt(bearer(forged)), 'bad_signature', 'The token signature is not valid.');
  });

  it('viewer importing → 403 naming data:import', async () => {
    const body = expectProblem(
      await attempt(authHeader({ role: 'viewer', counties: ['county-a'] })),
      403,
      'Requires permission data:import',
    );
    expect(body.missing_permissions).toEqual(['data:import']);
  });

  it('analyst importing data → 403 naming data:import', async () => {
    const body = expectProblem(
      await attempt(authHeader({ role: 'analyst', counties: ['*'] })),
      403,
      'Requires permission data:import',
    );
    expect(body.missing_permissions).toEqual(['data:import']);
  });

  it('unknown role → 403 (a role grants only what the table says)', async () => {
    const res = await attempt(authHeader({ role: 'superuser', counties: ['*'] }));
    expectProblem(res, 403, 'Requires permission data:import');
    const read = await t.request('GET', COUNTIES, { headers: authHeader({ role: 'superuser' }) });
    expectProblem(read, 403, 'Requires permission data:read');
  });

  it('a huge token → 431 or 401, never 5xx, nothing changed', async () => {
    const before = await dbState(t);
    const big = await t.request('GET', COUNTIES, { headers: bearer('a'.repeat(9000) + '.b.c') });
    expect401(big, 'malformed', 'The token is larger than 8192 bytes.');
    const huge = await t.request('POST', `${COUNTIES}/county-a/parcels/import`, {
      headers: { ...bearer('a'.repeat(64 * 1024) + '.b.c'), ...CSV },
      body: csv('A-EVIL'),
    });
    expectProblem(huge, 431, 'The request headers are larger than this service accepts.');
    expect(await dbState(t)).toBe(before);
  });

  describe('county scoping', () => {
    const assessorA = authHeader({ sub: 'assessor-a', role: 'assessor', counties: ['county-a'] });

    it('lists only the token’s counties', async () => {
      const res = await t.request('GET', COUNTIES, { headers: assessorA });
      expect(res.status).toBe(200);
      expect(res.json().items.map((c: { county_id: string }) => c.county_id)).toEqual(['county-a']);
      const none = await t.request('GET', COUNTIES, { headers: authHeader({ role: 'viewer', counties: [] }) });
      expect(none.json().items).toEqual([]);
      const all = await t.request('GET', COUNTIES, { headers: admin });
      expect(all.json().items.map((c: { county_id: string }) => c.county_id)).toEqual(['county-a', 'county-b']);
    });

    it('reading county B with a county A token is the same 404 as a county that does not exist', async () => {
      const outOfScope = await t.request('GET', `${COUNTIES}/county-b/parcels`, { headers: assessorA });
      const missing = await t.request('GET', `${COUNTIES}/county-zzz/parcels`, {
        headers: authHeader({ role: 'assessor', counties: ['*'] }),
      });
      const body = expectProblem(outOfScope, 404, "County 'county-b' does not exist.");
      expect(missing.status).toBe(404);
      const { request_id: _a, ...rest1 } = body;
      const { request_id: _b, ...rest2 } = missing.json<Record<string, unknown>>();
      expect({ ...rest1, detail: '' }).toEqual({ ...rest2, detail: '' });
      expectProblem(
        await t.request('GET', `${COUNTIES}/county-b/parcels/B-1`, { headers: assessorA }),
        404,
        "County 'county-b' does not exist.",
      );
      const inScope = await t.request('GET', `${COUNTIES}/county-b/parcels/B-1`, { headers: admin });
      expect(inScope.status).toBe(200);
    });

    it('importing into / renaming county B with a county A token → 404, nothing changed', async () => {
      const before = await dbState(t);
      const imported = await t.request('POST', `${COUNTIES}/county-b/parcels/import`, {
        headers: { ...assessorA, ...CSV },
        body: csv('B-EVIL'),
      });
      expectProblem(imported, 404, "County 'county-b' does not exist.");
      const renamed = await t.request('PUT', `${COUNTIES}/county-b`, { headers: assessorA, body: { name: 'Mine' } });
      expectProblem(renamed, 404, "County 'county-b' does not exist.");
      const created = await t.request('PUT', `${COUNTIES}/county-c`, { headers: assessorA, body: { name: 'New' } });
      expectProblem(created, 404, "County 'county-c' does not exist.");
      expect(await dbState(t)).toBe(before);
    });

    it('the county A token does import into county A', async () => {
      const res = await t.request('POST', `${COUNTIES}/county-a/parcels/import`, {
        headers: { ...assessorA, ...CSV },
        body: csv('A-1'),
      });
      expect(res.status).toBe(200);
      const { rows } = await t.db.query(`SELECT county_id, parcel_id FROM parcels ORDER BY 1, 2`);
      expect(rows).toEqual([
        { county_id: 'county-a', parcel_id: 'A-1' },
        { county_id: 'county-b', parcel_id: 'B-1' },
      ]);
    });
  });

  describe('claims and declarations', () => {
    it('accepts permissions and scope claims as well as roles', async () => {
      expect((await t.request('GET', COUNTIES, { headers: authHeader({ permissions: ['data:read'] }) })).status).toBe(
        200,
      );
      expect((await t.request('GET', COUNTIES, { headers: authHeader({ scope: 'openid data:read' }) })).status).toBe(
        200,
      );
    });

    it('refuses a route with neither decorator, even for an admin', async () => {
      const res = await t.request('GET', '/auth-probe/undeclared', { headers: admin });
      const body = expectProblem(res, 403, 'This route declares no access rule and is closed.');
      expect(body.missing_permissions).toEqual([]);
    });

    it('applies controller-level permissions together with handler-level ones', async () => {
      const reader = authHeader({ permissions: ['data:read'] });
      expect((await t.request('GET', '/auth-probe-class', { headers: reader })).status).toBe(200);
      expectProblem(
        await t.request('GET', '/auth-probe-class/import', { headers: reader }),
        403,
        'Requires permission data:import',
      );
      expectProblem(
        await t.request('GET', '/auth-probe-class/import', { headers: authHeader({ permissions: [] }) }),
        403,
        'Requires permissions data:read, data:import',
      );
    });

    it('guards /health/detailed with health:details; keeps probes, /info and /docs public', async () => {
      expect401(await t.request('GET', '/health/detailed'), 'missing', /^No bearer token/);
      expectProblem(
        await t.request('GET', '/health/detailed', { headers: authHeader({ role: 'viewer' }) }),
        403,
        'Requires permission health:details',
      );
      expect((await t.request('GET', '/health/detailed', { headers: authHeader({ role: 'monitoring' }) })).status).toBe(
        200,
      );
      for (const path of ['/health', '/health/live', '/health/ready', '/info', '/docs', '/docs/openapi.json']) {
        expect([path, (await t.request('GET', path)).status]).toEqual([path, 200]);
      }
    });

    it('metrics access: the static token (any other → 401), or a JWT with metrics:read', async () => {
      expect401(await t.request('GET', '/auth-probe/metrics'), 'missing', /^Metrics require/);
      expect(
        (await t.request('GET', '/auth-probe/metrics', { headers: bearer('metrics-token-0123456789') })).status,
      ).toBe(200);
      expect401(
        await t.request('GET', '/auth-probe/metrics', { headers: bearer('metrics-token-0123456780') }),
        'bad_signature',
        'The metrics token is not valid.',
      );
      expect(
        (await t.request('GET', '/auth-probe/metrics', { headers: authHeader({ role: 'monitoring' }) })).status,
      ).toBe(200);
      expectProblem(
        await t.request('GET', '/auth-probe/metrics', { headers: authHeader({ role: 'viewer' }) }),
        403,
        'Requires permission metrics:read',
      );
    });

    it('records auth_attempts_total, authz_denied_total in the metrics', async () => {
      const scrape = async () =>
        (await t.request('GET', '/metrics', { headers: bearer('metrics-token-0123456789') })).text;
      const value = (text: string, series: string) => {
        const line = text.split('\n').find((l) => l.startsWith(series + ' '));
        return line === undefined ? 0 : Number(line.slice(series.length + 1));
      };
      const before = await scrape();
      await t.request('GET', COUNTIES, { headers: authHeader({ role: 'viewer', expiresInSeconds: -60 }) });
      await t.request('PUT', `${COUNTIES}/county-a`, { headers: authHeader({ role: 'viewer' }), body: { name: 'x' } });
      const after = await scrape();
      for (const [series, delta] of [
        ['auth_attempts_total{result="expired"}', 1],
        // The viewer's PUT and the second scrape's metrics token.
        ['auth_attempts_total{result="success"}', 2],
        ['authz_denied_total{permission="data:import"}', 1],
      ] as const) {
        expect([series, value(after, series) - value(before, series)]).toEqual([series, delta]);
      }
    });

    it('sends security headers and no CORS headers unless configured', async () => {
      const res = await t.request('GET', '/info', { headers: { origin: 'https://evil.example' } });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

describe('auth with issuer and audience', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ AUTH_ISSUER: 'https://idp.county.example', AUTH_AUDIENCE: 'terrafusion-api' });
  });
  afterAll(async () => {
    await t.close();
  });
  const good = { issuer: 'https://idp.county.example', audience: 'terrafusion-api', role: 'viewer' };

  it('accepts the configured issuer and audience', async () => {
    expect((await t.request('GET', COUNTIES, { headers: authHeader(good) })).status).toBe(200);
  });

  it('wrong issuer → 401', async () => {
    expect401(
      await t.request('GET', COUNTIES, { headers: authHeader({ ...good, issuer: 'https://evil.example' }) }),
      'wrong_issuer',
      'The token issuer (iss) is not accepted by this service.',
    );
    expect401(
      await t.request('GET', COUNTIES, { headers: authHeader({ ...good, issuer: undefined }) }),
      'wrong_issuer',
      'The token issuer (iss) is not accepted by this service.',
    );
  });

  it('wrong audience → 401', async () => {
    expect401(
      await t.request('GET', COUNTIES, { headers: authHeader({ ...good, audience: 'another-api' }) }),
      'wrong_audience',
      'The token audience (aud) is not accepted by this service.',
    );
  });
});

describe('auth with JWKS (RS256/ES256)', () => {
  let t: TestApp;
  let server: Server;
  let published: TestSigningKey[];
  let up = true;
  let fetches = 0;
  const rsa1 = generateSigningKey('rsa-1', 'RS256');
  const ec1 = generateSigningKey('ec-1', 'ES256');
  const rsa2 = generateSigningKey('rsa-2', 'RS256');

  beforeAll(async () => {
    published = [rsa1, ec1];
    server = createServer((_req, res) => {
      fetches += 1;
      if (!up) {
        res.writeHead(503).end('down');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    t = await createTestApp({ AUTH_JWT_SECRET: '', AUTH_JWKS_URI: `http://127.0.0.1:${port}/.well-known/jwks.json` });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const viewerWith = (key: TestSigningKey) =>
    authHeader({ role: 'viewer', privateKey: key.privateKey, algorithm: key.alg, kid: key.kid });

  it('accepts RS256 and ES256 tokens signed with published keys', async () => {
    expect((await t.request('GET', COUNTIES, { headers: viewerWith(rsa1) })).status).toBe(200);
    expect((await t.request('GET', COUNTIES, { headers: viewerWith(ec1) })).status).toBe(200);
  });

  it('HS256 signed with the RS256 public key (key confusion) → 401, nothing changed', async () => {
    const before = await dbState(t);
    const pem = rsa1.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const payload = { sub: 'evil', roles: ['admin'], counties: ['*'], exp: Math.floor(Date.now() / 1000) + 600 };
    for (const key of [pem, JSON.stringify(rsa1.jwk)]) {
      const res = await t.request('PUT', `${COUNTIES}/evil`, {
        headers: bearer(craftToken({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' }, payload, key)),
        body: { name: 'Evil' },
      });
      expect401(
        res,
        'unsupported_algorithm',
        'The token algorithm "HS256" is not accepted; this service accepts RS256, ES256.',
      );
    }
    const none = await t.request('PUT', `${COUNTIES}/evil`, {
      headers: bearer(craftToken({ alg: 'none', kid: 'rsa-1' }, payload)),
      body: { name: 'Evil' },
    });
    expect401(none, 'unsupported_algorithm', /^The token algorithm "none" is not accepted/);
    expect(await dbState(t)).toBe(before);
  });

  it('a token signed by an unpublished key → 401 unknown key', async () => {
    const stranger = generateSigningKey('stranger', 'RS256');
    expect401(
      await t.request('GET', COUNTIES, { headers: viewerWith(stranger) }),
      'unknown_key',
      'No signing key matches the token\'s "kid".',
    );
    const impostor = { ...stranger, kid: 'rsa-1' };
    expect401(
      await t.request('GET', COUNTIES, { headers: viewerWith(impostor) }),
      'bad_signature',
      'The token signature is not valid.',
    );
  });

  it('a token whose algorithm does not fit its key → 401, never 500', async () => {
    const rsaKidOnEc = { ...ec1, alg: 'RS256' as const, privateKey: rsa1.privateKey };
    const ecKidOnRsa = { ...rsa1, alg: 'ES256' as const, privateKey: ec1.privateKey };
    for (const key of [rsaKidOnEc, ecKidOnRsa]) {
      expect401(
        await t.request('GET', COUNTIES, { headers: viewerWith(key) }),
        'unsupported_algorithm',
        'The token algorithm does not match its signing key.',
      );
    }
  });

  it('follows key rotation with one refetch, and keeps the last good keys while the JWKS endpoint is down', async () => {
    published = [rsa2];
    const before = fetches;
    expect((await t.request('GET', COUNTIES, { headers: viewerWith(rsa2) })).status).toBe(200);
    expect(fetches).toBe(before + 1);
    expect((await t.request('GET', COUNTIES, { headers: viewerWith(rsa2) })).status).toBe(200);
    expect(fetches).toBe(before + 1);
    // rsa-1 was retired by the issuer: refused once the new set is known.
    expect401(await t.request('GET', COUNTIES, { headers: viewerWith(rsa1) }), 'unknown_key', /^No signing key/);
    up = false;
    expect((await t.request('GET', COUNTIES, { headers: viewerWith(rsa2) })).status).toBe(200);
  });
});

describe('auth with a JWKS endpoint that is down', () => {
  let t: TestApp;
  let server: Server;
  let up = false;
  const key = generateSigningKey('rsa-late', 'RS256');

  beforeAll(async () => {
    server = createServer((_req, res) => {
      if (!up) {
        res.writeHead(503).end('down');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    t = await createTestApp({ AUTH_JWT_SECRET: '', AUTH_JWKS_URI: `http://127.0.0.1:${port}/jwks.json` });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers 503 problem+json with Retry-After until keys were obtained, then verifies without a restart', async () => {
    const headers = authHeader({ role: 'viewer', privateKey: key.privateKey, algorithm: key.alg, kid: key.kid });
    const res = await t.request('GET', COUNTIES, { headers });
    const body = expectProblem(res, 503, 'Token signing keys are not available yet; try again shortly.');
    expect(body.type).toMatch(/auth-unavailable$/);
    expect(res.headers.get('retry-after')).toBe('5');
    up = true;
    expect((await t.request('GET', COUNTIES, { headers })).status).toBe(200);
  });
});

describe('abuse limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_PER_IP: '4',
      RATE_LIMIT_PER_SUBJECT: '2',
      RATE_LIMIT_WINDOW_S: '60',
      CORS_ORIGINS: 'https://gis.county.example',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('limits per token subject and per address with 429 problem+json and Retry-After; probes stay open', async () => {
    const alice = authHeader({ sub: 'alice', role: 'viewer' });
    expect((await t.request('GET', COUNTIES, { headers: alice })).status).toBe(200);
    expect((await t.request('GET', COUNTIES, { headers: alice })).status).toBe(200);
    const bySubject = await t.request('GET', COUNTIES, { headers: alice });
    const body = expectProblem(
      bySubject,
      429,
      /^Rate limit of 2 requests per 60 s per token subject exceeded; retry after \d+ s\.$/,
    );
    expect(Number(bySubject.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(body.retry_after_seconds).toBe(Number(bySubject.headers.get('retry-after')));
    // Another subject from the same address gets through until the address budget (4) is used up.
    expect((await t.request('GET', COUNTIES, { headers: authHeader({ sub: 'bob', role: 'viewer' }) })).status).toBe(
      200,
    );
    const byIp = await t.request('GET', '/info');
    expectProblem(byIp, 429, /^Rate limit of 4 requests per 60 s per client address exceeded/);
    for (let i = 0; i < 10; i++) expect((await t.request('GET', '/health/live')).status).toBe(200);
    expect((await t.request('GET', '/health/ready')).status).toBe(200);
    const metrics = await t.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('rate_limit_exceeded_total{key_type="subject"} 1');
    expect(metrics.text).toContain('rate_limit_exceeded_total{key_type="ip"} 1');
  });

  it('answers CORS only for configured origins', async () => {
    const allowed = await t.request('OPTIONS', COUNTIES, {
      headers: {
        origin: 'https://gis.county.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://gis.county.example');
    const other = await t.request('OPTIONS', COUNTIES, {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
