// Real responses of the README's API tour (and of the other report and analysis types) validated against the
// OpenAPI document the service serves, so the document and the bytes cannot drift apart unnoticed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type HttpResponse, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

type Json = Record<string, any>;

// ajv-formats is CommonJS: under ESM its function is the default export's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

const COUNTY = 'demo';
const TAX_YEAR = 2025;
const AUTH = authHeader({ role: 'assessor', counties: [COUNTY] });
const MONITORING = authHeader({ role: 'monitoring', counties: ['*'] });

describe('responses of the API tour match the OpenAPI document', () => {
  let t: TestApp;
  let doc: Json;
  let ajv: Ajv;

  beforeAll(async () => {
    t = await createTestApp();
    await loadDemoCounty(t.db, { countyId: COUNTY, parcels: 600, seed: 7 });
    doc = (await t.request('GET', '/docs/openapi.json')).json();
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    // Every component as its own schema, so the document's $refs resolve as they are written.
    for (const [name, schema] of Object.entries<Json>(doc.components?.schemas ?? {})) {
      ajv.addSchema(toJsonSchema(schema), `#/components/schemas/${name}`);
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  /** The schema the document gives the JSON body of `method path` answering `status`. */
  function validatorFor(
    method: string,
    path: string,
    status: number,
    mediaType = 'application/json',
  ): ValidateFunction {
    const operation = doc.paths[path]?.[method.toLowerCase()];
    expect(operation).toBeDefined();
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`${method} ${path} documents no ${status}`);
    const schema = response.content?.[mediaType]?.schema;
    if (!schema) throw new Error(`${method} ${path} ${status} has no ${mediaType} schema`);
    return ajv.compile(toJsonSchema(schema));
  }

  /** Sends the request and checks its body against the documented schema of its path, method and status. */
  async function call(
    method: string,
    documentedPath: string,
    url: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    const res = await t.request(method, url, { headers: options.headers ?? AUTH, body: options.body });
    const body = res.json();
    const mediaType = res.headers.get('content-type')!.split(';')[0];
    const validate = validatorFor(method, documentedPath, res.status, mediaType);
    if (!validate(body)) {
      throw new Error(`${method} ${url} → ${res.status} differs from the document: ${ajv.errorsText(validate.errors)}`);
    }
    return res;
  }

  async function runJob(module: string, body: Json): Promise<string> {
    const res = await call('POST', `/api/v1/${module}/run`, `/api/v1/${module}/run`, { body });
    expect(res.status).toBe(202);
    const id = res.json().job_id as string;
    await call('GET', `/api/v1/${module}/status/{job_id}`, `/api/v1/${module}/status/${id}`);
    const done = await waitForJob(t, module, id, AUTH, { timeoutMs: 120_000 });
    expect(done.status).toBe('COMPLETED');
    return id;
  }

  it('county data: counties, a parcels page, one parcel', async () => {
    await call('GET', '/api/v1/counties', '/api/v1/counties');
    const page = await call(
      'GET',
      '/api/v1/counties/{county_id}/parcels',
      `/api/v1/counties/${COUNTY}/parcels?limit=2`,
    );
    const parcelId = page.json().items[0].parcel_id as string;
    await call(
      'GET',
      '/api/v1/counties/{county_id}/parcels/{parcel_id}',
      `/api/v1/counties/${COUNTY}/parcels/${encodeURIComponent(parcelId)}`,
    );
  });

  it('valuation: run, status, results, a page of parcel values; then the report and analysis types', async () => {
    const valuation = await runJob('valuation', { county_id: COUNTY, tax_year: TAX_YEAR, method: 'regression' });
    await call('GET', '/api/v1/valuation/results/{job_id}', `/api/v1/valuation/results/${valuation}`);
    await call(
      'GET',
      '/api/v1/valuation/results/{job_id}/parcels',
      `/api/v1/valuation/results/${valuation}/parcels?limit=3`,
    );
    const { rows } = await t.db.query<{ parcel_id: string }>(
      `SELECT parcel_id FROM parcels WHERE county_id = $1 AND property_class = 'residential' AND building_sqft > 0
        ORDER BY parcel_id LIMIT 1`,
      [COUNTY],
    );
    const comparables = await call(
      'GET',
      '/api/v1/valuation/results/{job_id}/parcels/{parcel_id}/comparables',
      `/api/v1/valuation/results/${valuation}/parcels/${encodeURIComponent(rows[0].parcel_id)}/comparables?limit=3`,
    );
    expect(comparables.json().comparables).toHaveLength(3);

    const ratio = await runJob('reporting', {
      county_id: COUNTY,
      tax_year: TAX_YEAR,
      report_type: 'ratio_study',
      group_by: ['property_class'],
    });
    await call('GET', '/api/v1/reporting/results/{job_id}', `/api/v1/reporting/results/${ratio}`);
    const roll = await runJob('reporting', { county_id: COUNTY, tax_year: TAX_YEAR, report_type: 'assessment_roll' });
    await call('GET', '/api/v1/reporting/results/{job_id}', `/api/v1/reporting/results/${roll}`);

    const trend = await runJob('market-analysis', { county_id: COUNTY, analysis_type: 'price_trend' });
    await call('GET', '/api/v1/market-analysis/results/{job_id}', `/api/v1/market-analysis/results/${trend}`);
    const comparison = await runJob('market-analysis', { county_id: COUNTY, analysis_type: 'neighborhood_comparison' });
    await call('GET', '/api/v1/market-analysis/results/{job_id}', `/api/v1/market-analysis/results/${comparison}`);

    const gis = await runJob('gis-export', { county_id: COUNTY, export_format: 'shapefile', tax_year: TAX_YEAR });
    await call('GET', '/api/v1/gis-export/results/{job_id}', `/api/v1/gis-export/results/${gis}`);
    const download = await t.request('GET', `/api/v1/gis-export/results/${gis}/download`, { headers: AUTH });
    expect(download.status).toBe(200);
    const documented = Object.keys(
      doc.paths['/api/v1/gis-export/results/{job_id}/download'].get.responses['200'].content ?? {},
    );
    expect(documented).toContain(download.headers.get('content-type')!.split(';')[0]);
  }, 300_000);

  it('operations: /info, the health routes and /metrics', async () => {
    await call('GET', '/info', '/info', { headers: {} });
    for (const path of ['/health/live', '/health/ready', '/health']) await call('GET', path, path, { headers: {} });
    await call('GET', '/health/detailed', '/health/detailed', { headers: MONITORING });
    const metrics = await t.request('GET', '/metrics', { headers: MONITORING });
    expect(metrics.status).toBe(200);
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toContain(
      metrics.headers.get('content-type')!.split(';')[0],
    );
  });

  it('errors: the documented problem+json of 400, 401, 403 and 404', async () => {
    const res = await call('GET', '/api/v1/counties', '/api/v1/counties', { headers: {} });
    expect(res.status).toBe(401);
    const forbidden = await call('POST', '/api/v1/valuation/run', '/api/v1/valuation/run', {
      headers: authHeader({ role: 'viewer', counties: [COUNTY] }),
      body: { county_id: COUNTY, tax_year: TAX_YEAR },
    });
    expect(forbidden.status).toBe(403);
    const invalid = await call('POST', '/api/v1/valuation/run', '/api/v1/valuation/run', {
      body: { county_id: COUNTY, tax_year: 'soon' },
    });
    expect(invalid.status).toBe(400);
    const unknown = await call(
      'GET',
      '/api/v1/valuation/status/{job_id}',
      '/api/v1/valuation/status/00000000-0000-4000-8000-000000000000',
    );
    expect(unknown.status).toBe(404);
  });
});

/**
 * OpenAPI 3.0 schema → JSON Schema for ajv: `nullable: true` becomes a union with null (3.0 has no null
 * type), and $refs keep pointing at the components registered under their document paths.
 */
function toJsonSchema(schema: unknown): any {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    out[key] =
      key === 'properties' || key === 'patternProperties'
        ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, toJsonSchema(v)]))
        : toJsonSchema(value);
  }
  if ((schema as Json).nullable === true) {
    // A nullable reference ({nullable, type: object, allOf: [$ref]}) admits null besides what it references.
    if (out.$ref || out.allOf || out.oneOf || out.anyOf) return { anyOf: [out, { type: 'null' }] };
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}
