// Inputs that reached PostgreSQL and came back as 500s: a NUL character (U+0000), which PostgreSQL text
// cannot hold, in a query string, a path parameter or a JSON body. Each must be a 400 naming the field,
// and change nothing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { createTestApp, type HttpResponse, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

function expectNulProblem(res: HttpResponse, field: string): void {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.json().errors).toContainEqual({ field, message: 'must not contain the NUL character (U+0000)' });
}

describe('input edges (e2e)', () => {
  let t: TestApp;
  const admin = authHeader({ role: 'admin', counties: ['*'] });

  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_ENABLED: 'false' });
    await loadDemoCounty(t.db, { countyId: 'nul', parcels: 30, seed: 5 });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('a NUL in a query string, a path parameter or a body field is a 400 naming the field, and changes nothing', async () => {
    const counties = async () => (await t.db.query('SELECT * FROM counties ORDER BY 1')).rows;
    const jobs = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0].n;
    const before = { counties: await counties(), jobs: await jobs() };

    expectNulProblem(
      await t.request('GET', '/api/v1/counties/nul/parcels?neighborhood=a%00b', { headers: admin }),
      'neighborhood',
    );
    expectNulProblem(await t.request('GET', '/api/v1/counties/nul/parcels/BOM-1%00', { headers: admin }), 'parcel_id');
    expectNulProblem(
      await t.request('PUT', '/api/v1/counties/nul', { headers: admin, body: { name: 'King\u0000County' } }),
      'name',
    );
    const runs: [string, Record<string, unknown>][] = [
      ['valuation', { county_id: 'nul', tax_year: 2025, neighborhoods: ['Nash\u0000'] }],
      ['market-analysis', { county_id: 'nul', analysis_type: 'price_trend', neighborhoods: ['Nash\u0000'] }],
      ['gis-export', { county_id: 'nul', export_format: 'geojson', neighborhoods: ['Nash\u0000'] }],
    ];
    for (const [module, body] of runs) {
      expectNulProblem(await t.request('POST', `/api/v1/${module}/run`, { headers: admin, body }), 'neighborhoods[0]');
    }

    // Half a UTF-16 pair cannot be stored as sent (it would become U+FFFD): refused the same way.
    const lone = await t.request('PUT', '/api/v1/counties/nul', {
      headers: { ...admin, 'content-type': 'application/json' },
      body: '{"name":"King \\ud800 County"}',
    });
    expect(lone.status).toBe(400);
    expect(lone.json().errors).toContainEqual({
      field: 'name',
      message: 'must be valid Unicode text (it has an unpaired surrogate)',
    });

    expect({ counties: await counties(), jobs: await jobs() }).toEqual(before);
  });

  it('a UTF-16 or semicolon-separated CSV is told as such, not as unknown columns, and imports nothing', async () => {
    const parcels = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM parcels')).rows[0].n;
    const before = await parcels();
    const upload = (kind: string, body: string | Buffer) =>
      t.request('POST', `/api/v1/counties/nul/${kind}/import`, {
        headers: { ...admin, 'content-type': 'text/csv' },
        body,
      });
    const parcelCsv =
      'parcel_id,neighborhood,property_class,land_sqft,building_sqft,year_built,quality,condition,bedrooms,' +
      'bathrooms,situs_address,lon,lat\nU-1,Nash,residential,5000,1500,1990,3,3,3,2,1 Main St,-86.7,36.1\n';
    // A spreadsheet's "Unicode text" export: UTF-16LE with its byte-order mark.
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(parcelCsv, 'utf16le')]);
    let res = await upload('parcels', utf16);
    expect(res.status).toBe(400);
    expect(res.json().detail).toBe(
      'The file is UTF-16, not UTF-8 (its header has NUL bytes between the letters); save it as UTF-8 and send it again.',
    );
    const saleCsv = 'parcel_id,sale_date,sale_price,is_valid,validity_code,deed_type\nP-1,2024-01-02,100000,true,,WD\n';
    res = await upload('sales', saleCsv.replaceAll(',', ';'));
    expect(res.status).toBe(400);
    expect(res.json().detail).toMatch(
      /^The header looks semicolon-separated \(";"\); the import takes comma-separated/,
    );
    expect(await parcels()).toBe(before);
  });

  it('answers each malformed request with one message that says what to fix, and changes nothing', async () => {
    const jobs = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs')).rows[0].n;
    const before = await jobs();
    const problem = (res: HttpResponse, status: number) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      return res.json();
    };
    const json = { ...admin, 'content-type': 'application/json' };

    let body = problem(
      await t.request('POST', '/api/v1/valuation/run', {
        headers: json,
        body: '{"county_id":"nul","tax_year":2025,"__proto__":{"admin":true}}',
      }),
      400,
    );
    expect(body.detail).toBe("The body has the key '__proto__', which is not allowed; remove it.");

    body = problem(await t.request('GET', '/api/v1/counties/nul/parcels?limit=1&limit=2', { headers: admin }), 400);
    expect(body.errors).toEqual([{ field: 'limit', message: 'is given 2 times; give it once' }]);

    body = problem(
      await t.request('POST', '/api/v1/valuation/run', {
        headers: admin,
        body: { county_id: 'nul', tax_year: 2025, neighborhoods: 'x' },
      }),
      400,
    );
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].field).toBe('neighborhoods');

    body = problem(
      await t.request('POST', '/api/v1/valuation/run', {
        headers: { ...json, 'content-encoding': 'gzip' },
        body: gzipSync('{"county_id":"nul","tax_year":2025}'),
      }),
      415,
    );
    expect(body.detail).toBe(
      "Content-Encoding 'gzip' is not supported; send the body uncompressed (no Content-Encoding header).",
    );

    body = problem(
      await t.request('POST', '/api/v1/counties/nul/sales/import', {
        headers: json,
        body: 'parcel_id,sale_date,sale_price,is_valid,validity_code,deed_type\n',
      }),
      415,
    );
    expect(body.detail).toBe(
      'This import takes the file as the raw request body with Content-Type text/csv (UTF-8); got application/json.',
    );

    body = problem(await t.request('POST', '/api/v1/valuation/run', { headers: json, body: '{"county_id":' }), 400);
    expect(body.detail).toMatch(/^The body is not valid JSON \(.+\); check quoting and commas\.$/);

    // The router's own rejection (a path parameter past its length limit) is a problem+json like the rest.
    const long = await t.request('GET', `/api/v1/counties/nul/parcels/${'x'.repeat(300)}`, {
      headers: { ...admin, 'x-request-id': 'edge-414' },
    });
    expect(problem(long, 414)).toMatchObject({
      status: 414,
      detail: 'A path parameter is longer than this service accepts (200 characters); check the URL.',
      request_id: 'edge-414',
    });
    expect(long.headers.get('x-request-id')).toBe('edge-414');

    expect(await jobs()).toBe(before);
  });
});
