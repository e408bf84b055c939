// Fuzzing every route the app serves (the route walk of route-permissions.e2e-spec.ts) with hostile path
// parameters, query strings, JSON bodies and import files, with no token, a valid token (admin of the
// fuzz county) and garbage tokens. For every case: never a 5xx; every 4xx is problem+json whose `status`
// is the HTTP status and whose `detail` says something; and a rejected request changed no row (checksums
// of every table before and after each request — the job workers are off, so only requests write).
//
// Bounded and seeded in `npm test`. Longer: `npm run fuzz` (FUZZ_SECONDS, default 180; FUZZ_SEED to
// replay a run; FUZZ_RUNS for a fixed number of cases).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import http from 'node:http';
import { DataSource } from 'typeorm';
import { RouteAccessCheck } from '../../src/auth/route-access.check.js';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import {
  csvFile,
  encodeSegment,
  geoJsonFile,
  IMPORT_CONTENT_TYPES,
  jsonBody,
  jsonContentType,
  pathSegment,
  queryString,
  type ImportKind,
} from '../support/fuzz-inputs.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader, craftToken, tokenFor } from '../support/tokens.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 0);
const RUNS = Number(process.env.FUZZ_RUNS ?? (SECONDS > 0 ? 1e9 : 1500));
const SEED = Number(process.env.FUZZ_SEED ?? (SECONDS > 0 ? Date.now() % 2 ** 31 : 20250613));
const COUNTY = 'fuzz';

const VALID_RUNS: Record<string, Record<string, unknown>> = {
  valuation: { county_id: COUNTY, tax_year: 2025, method: 'cost' },
  'market-analysis': { county_id: COUNTY, analysis_type: 'price_trend', from: '2022-01-01', to: '2024-12-31' },
  reporting: { county_id: COUNTY, tax_year: 2025, report_type: 'ratio_study', group_by: ['neighborhood'] },
  'gis-export': { county_id: COUNTY, export_format: 'geojson', bbox: [-180, -90, 180, 90] },
};

interface Route {
  method: string;
  path: string;
}

interface FuzzCase {
  method: string;
  /** The route template, for the report. */
  route: string;
  /** Path and query as sent, already in URL form. */
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

interface Finding {
  why: string;
  case: { method: string; route: string; url: string; headers: Record<string, string>; body?: string };
  answer: { status: number; contentType: string; text: string };
}

/** A raw HTTP request: the path goes on the wire exactly as generated (fetch would resolve `..`). */
function send(baseUrl: string, agent: http.Agent, c: FuzzCase): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, method: c.method, path: c.url, headers: c.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

/** What is wrong with an answer, or null. */
function judge(answer: Answer): string | null {
  if (answer.status >= 500) return `${answer.status} from the server`;
  if (answer.status < 400) return null;
  if (!/^application\/problem\+json/.test(answer.contentType)) return `${answer.status} as ${answer.contentType}`;
  let problem: { status?: unknown; detail?: unknown };
  try {
    problem = JSON.parse(answer.text) as typeof problem;
  } catch {
    return `${answer.status} problem+json that is not JSON`;
  }
  if (problem.status !== answer.status) return `problem status ${String(problem.status)} ≠ HTTP ${answer.status}`;
  if (typeof problem.detail !== 'string' || problem.detail.trim() === '') return 'problem without detail';
  return null;
}

describe('fuzz: every route, hostile input (e2e)', () => {
  let t: TestApp;
  let routes: Route[];
  let tables: string[];
  const goodValues: Record<string, string[]> = { county_id: [COUNTY] };
  /** A valuation whose values the fuzzing never sees (it may delete the versions of the jobs it is given). */
  let keptValuation: string;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    // First an app with job workers, to leave one finished job per module, so that results, parcels and
    // download routes are fuzzed past their "not completed" answer.
    const setup = await createTestApp({ RATE_LIMIT_ENABLED: 'false', JOBS_POLL_INTERVAL_MS: '500' });
    const admin = authHeader({ role: 'admin', counties: ['*'] });
    const jobIds: string[] = [];
    try {
      await loadDemoCounty(setup.app.get(DataSource), { countyId: COUNTY, parcels: 250, seed: 13 });
      await loadDemoCounty(setup.app.get(DataSource), { countyId: 'other', parcels: 10, seed: 14 });
      const submitted = await Promise.all(
        [...Object.entries(VALID_RUNS), ['valuation', VALID_RUNS.valuation] as const].map(async ([module, body]) => {
          const res = await setup.request('POST', `/api/v1/${module}/run`, { headers: admin, body });
          expect(res.status).toBe(202);
          return [module, res.json<{ job_id: string }>().job_id] as const;
        }),
      );
      for (const [module, id] of submitted) {
        const done = await waitForJob(setup, module, id, admin);
        expect({ module, status: done.status, error: done.error }).toEqual({
          module,
          status: 'COMPLETED',
          error: done.error,
        });
        jobIds.push(id);
      }
      keptValuation = jobIds.pop()!;
    } finally {
      await setup.close();
    }
    // The fuzzed app: no workers, so the only writes are the requests' own.
    t = await createTestApp(
      { RATE_LIMIT_ENABLED: 'false', JOBS_WORKERS_ENABLED: 'false' },
      { databaseUrl: setup.databaseUrl },
    );
    goodValues.job_id = jobIds;
    goodValues.parcel_id = (
      await t.db.query<{ parcel_id: string }>('SELECT parcel_id FROM parcels WHERE county_id = $1 LIMIT 3', [COUNTY])
    ).rows.map((r) => r.parcel_id);
    goodValues['*'] = ['index.html', 'openapi.json', 'swagger-ui.css'];
    goodValues.chart = ['ratio-by-price-decile.svg', 'lorenz.svg', 'ratio-cdf.svg'];

    const check = t.app.get(RouteAccessCheck);
    const nest = check.routes().map((r) => ({ method: r.method, path: r.path }));
    const known = new Set(nest.map((r) => `${r.method} ${r.path}`));
    // Routes served outside Nest (the docs): fuzzed too, they face the same callers.
    const raw = check
      .servedRoutes()
      .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
      .filter((r) => !known.has(`${r.method} ${r.url.length > 1 ? r.url.replace(/\/+$/, '') : r.url}`))
      .map((r) => ({ method: r.method, path: r.url }));
    routes = [...nest, ...raw];

    tables = (
      await t.db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
      )
    ).rows.map((r) => r.table_name);
  }, 180_000);

  afterAll(async () => {
    agent.destroy();
    await t?.close();
  });

  /** One md5 per table over its rows as text: equal before and after means no row changed. */
  async function checksums(): Promise<Record<string, string>> {
    const sql = tables
      .map(
        (name) =>
          `SELECT '${name}' AS t, md5(coalesce(string_agg(x::text, '' ORDER BY x::text), '')) AS sum FROM "${name}" x`,
      )
      .join(' UNION ALL ');
    const { rows } = await t.db.query<{ t: string; sum: string }>(sql);
    return Object.fromEntries(rows.map((r) => [r.t, r.sum]));
  }

  function authorization(): fc.Arbitrary<Record<string, string>> {
    const admin = tokenFor({ role: 'admin', counties: [COUNTY] });
    const garbage = [
      'Bearer',
      'Bearer ',
      'Bearer x.y.z',
      'Basic YWRtaW46YWRtaW4=',
      `Bearer ${admin}x`,
      `Bearer ${admin.split('.').slice(0, 2).join('.')}.`,
      `bearer ${tokenFor({ role: 'admin', counties: [COUNTY], secret: 'not-the-secret-0123456789abcdef0123' })}`,
      `Bearer ${tokenFor({ role: 'admin', counties: [COUNTY], expiresInSeconds: -60 })}`,
      `Bearer ${tokenFor({ role: 'viewer', counties: [COUNTY] })}`,
      `Bearer ${tokenFor({ role: 'admin', counties: ['other'] })}`,
      `Bearer ${craftToken({ alg: 'none', typ: 'JWT' }, { sub: 'x', roles: ['admin'], counties: ['*'] })}`,
      `Bearer ${craftToken({ alg: 'HS256' }, { sub: { a: 1 }, roles: 'admin', counties: '*', exp: 'never' }, 'k')}`,
      `Bearer ${'A'.repeat(20_000)}`,
    ];
    return fc.oneof(
      { weight: 2, arbitrary: fc.constant({}) },
      { weight: 5, arbitrary: fc.constant({ authorization: `Bearer ${admin}` }) },
      { weight: 2, arbitrary: fc.constantFrom(...garbage).map((value) => ({ authorization: value })) },
      {
        weight: 1,
        // Header values are Latin-1 on the wire; Node refuses anything else before it is sent.
        arbitrary: fc
          .string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c === 0x7f ? 0x20 : c)) })
          .map((value) => ({ authorization: `Bearer ${value}`.trim() })),
      },
    );
  }

  function caseFor(route: Route): fc.Arbitrary<FuzzCase> {
    const names = [...route.path.matchAll(/:(\w+)|\*/g)].map((m) => m[1] ?? '*');
    const segments = fc.tuple(...names.map((name) => pathSegment(goodValues[name] ?? ['x'])));
    const module = /^\/api\/v1\/([\w-]+)\/run$/.exec(route.path)?.[1];
    const importKind = /\/(parcels|sales|assessments)\/import$/.exec(route.path)?.[1] as ImportKind | undefined;

    let body: fc.Arbitrary<{ body?: Buffer; contentType?: string }>;
    if (importKind) {
      const file = importKind === 'parcels' ? fc.oneof(csvFile('parcels'), geoJsonFile) : csvFile(importKind);
      const type = fc.oneof(
        { weight: 4, arbitrary: fc.constant(importKind === 'parcels' ? undefined : 'text/csv') },
        { weight: 1, arbitrary: fc.constantFrom(...IMPORT_CONTENT_TYPES) },
      );
      body = fc.tuple(file, type).map(([b, contentType]) => ({
        body: b,
        // The parcels route takes either format: label the file by its first byte unless told otherwise.
        contentType:
          contentType ?? (b.toString('utf8').trimStart().startsWith('{') ? 'application/geo+json' : 'text/csv'),
      }));
    } else if (route.method === 'PUT' || route.method === 'POST') {
      const valid = module ? VALID_RUNS[module] : route.method === 'PUT' ? { name: 'Fuzz County', state: 'WA' } : {};
      body = fc.oneof(
        {
          weight: 5,
          arbitrary: fc
            .tuple(jsonBody(valid), jsonContentType)
            .map(([b, contentType]) => ({ body: Buffer.from(b, 'utf8'), contentType })),
        },
        { weight: 1, arbitrary: fc.constant({}) },
      );
    } else {
      body = fc.constant({});
    }
    const idempotencyKey = fc.option(fc.constantFrom('k-1', '', ' ', 'x'.repeat(300), 'é', '\t'), { freq: 4 });

    return fc
      .tuple(segments, queryString, body, authorization(), idempotencyKey)
      .map(([values, query, b, auth, key]) => {
        let i = 0;
        const path = route.path.replace(/:(\w+)|\*/g, () => values[i++]);
        const headers: Record<string, string> = { ...auth };
        if (b.contentType) headers['content-type'] = b.contentType;
        if (key !== null && route.method === 'POST') headers['idempotency-key'] = key;
        return {
          method: route.method,
          route: `${route.method} ${route.path}`,
          url: path + query,
          headers,
          body: b.body,
        };
      });
  }

  it(
    'no 5xx, every 4xx is problem+json, and no rejected request changes a row',
    async () => {
      expect(routes.length).toBeGreaterThan(30);
      const findings: Finding[] = [];
      const statuses = new Map<number, number>();
      const perRoute = new Map<string, number>();
      let cases = 0;
      let before = await checksums();

      const arbitrary = fc.oneof(...routes.map(caseFor));
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(arbitrary, async (c) => {
          cases++;
          perRoute.set(c.route, (perRoute.get(c.route) ?? 0) + 1);
          const answer = await send(t.baseUrl, agent, c);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const after = await checksums();
          const changed = Object.keys(after).filter((name) => after[name] !== before[name]);
          before = after;
          let why = judge(answer);
          if (!why && changed.length > 0 && (answer.status < 200 || answer.status >= 300)) {
            why = `${answer.status} but changed ${changed.join(', ')}`;
          }
          if (why) {
            findings.push({
              why,
              case: { ...c, body: c.body?.subarray(0, 300).toString('utf8') },
              answer: { ...answer, text: answer.text.slice(0, 500) },
            });
          }
        }),
        {
          seed: SEED,
          numRuns: RUNS,
          ...(SECONDS > 0 ? { interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false } : {}),
        },
      );

      const seconds = (Date.now() - started) / 1000;
      const fiveXx = findings.filter((f) => f.answer.status >= 500).length;
      process.stdout.write(
        `\nfuzz: seed ${SEED}, ${cases} cases over ${routes.length} routes in ${seconds.toFixed(1)} s ` +
          `(${Math.round((cases / seconds) * 60)} cases/min); 5xx found: ${fiveXx}; other findings: ${findings.length - fiveXx}\n` +
          `fuzz: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}\n`,
      );
      // Every route was tried (a route the arbitrary never reaches would be fuzzed by nobody).
      expect(routes.filter((r) => !perRoute.has(`${r.method} ${r.path}`)).map((r) => `${r.method} ${r.path}`)).toEqual(
        [],
      );
      expect(findings.slice(0, 10)).toEqual([]);
    },
    SECONDS > 0 ? SECONDS * 1000 + 120_000 : 120_000,
  );

  it('the checksums cover the data tables and see an accepted change', async () => {
    expect(tables).toEqual(expect.arrayContaining(['counties', 'parcels', 'sales', 'assessments', 'jobs']));
    const before = await checksums();
    const res = await t.request('PUT', `/api/v1/counties/${COUNTY}`, {
      headers: authHeader({ role: 'admin', counties: [COUNTY] }),
      body: { name: `Fuzz County ${Date.now()}` },
    });
    expect(res.status).toBe(200);
    const after = await checksums();
    expect(Object.keys(after).filter((name) => after[name] !== before[name])).toEqual(['counties']);
  });

  // What the fuzzer found, kept as plain cases.
  it('a JSON body nested thousands of levels deep is a 400 naming the limit, not a stack overflow', async () => {
    // As text: JSON.stringify itself overflows on such a value.
    const deep = '{"a":['.repeat(2500) + '1' + ']}'.repeat(2500);
    const admin = authHeader({ role: 'admin', counties: [COUNTY] });
    const before = await checksums();
    for (const [method, path, body] of [
      ['POST', '/api/v1/gis-export/run', `{"county_id":"fuzz","export_format":"geojson","extra":${deep}}`],
      ['POST', '/api/v1/valuation/run', `[${deep}]`],
      ['PUT', `/api/v1/counties/${COUNTY}`, `{"name":"Fuzz County","state":${deep}}`],
    ] as const) {
      const res = await t.request(method, path, { headers: { ...admin, 'content-type': 'application/json' }, body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toBe('The body nests arrays or objects more than 64 levels deep; flatten it.');
    }
    expect(await checksums()).toEqual(before);
  });

  it('a job-list cursor whose instant PostgreSQL cannot read is a 400; a well-formed one still pages', async () => {
    const admin = authHeader({ role: 'admin', counties: [COUNTY] });
    const list = (text: string) =>
      t.request('GET', `/api/v1/valuation/jobs?cursor=${Buffer.from(text).toString('base64url')}`, { headers: admin });
    const id = goodValues.job_id[0];
    // Date.parse takes all of these; timestamptz takes none.
    for (const at of ['0', '1', '2024-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024 Jan 1']) {
      const res = await list(`${at}|${id}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.json().errors).toEqual([{ field: 'cursor', message: 'is not a cursor returned by this list' }]);
    }
    for (const at of [new Date().toISOString(), '2024-01-01T00:00:00.123456Z', '2024-01-01T00:00:00Z']) {
      expect((await list(`${at}|${id}`)).status).toBe(200);
    }
  });

  it('a page cursor hiding a NUL in its position is a 400, not a PostgreSQL error', async () => {
    const admin = authHeader({ role: 'admin', counties: [COUNTY] });
    const cursor = (position: object) => Buffer.from(JSON.stringify(position)).toString('base64url');
    let res = await t.request('GET', `/api/v1/counties/${COUNTY}/parcels?cursor=${cursor({ v: 1, after: 'a\0' })}`, {
      headers: admin,
    });
    expect(res.status).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'cursor', message: 'is not a cursor this API issued; pass next_cursor from the previous page' },
    ]);
    const valuation = keptValuation;
    res = await t.request('GET', `/api/v1/valuation/results/${valuation}/parcels?cursor=${cursor({ after: 'a\0' })}`, {
      headers: admin,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json().errors).toEqual([{ field: 'cursor', message: 'is not a cursor returned by this list' }]);
  });

  it('sends path segments as generated, without resolving them', () => {
    expect(encodeSegment('\ud800')).toBe('%EF%BF%BD');
    expect(encodeSegment('a/b')).toBe('a%2Fb');
  });
});
