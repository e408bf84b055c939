import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('HTTP basics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers an unknown route with 404 problem+json carrying the request id', async () => {
    const res = await t.request('GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status: 404, title: 'Not Found', detail: 'No route matches GET /no/such/route.' });
    expect(body.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await t.request('POST', '/info', { headers: { 'content-type': 'application/json' }, body: '{"a": ' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json().status).toBe(400);
  });

  it('echoes a sane X-Request-ID and replaces an insane one', async () => {
    const given = await t.request('GET', '/health/live', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const insane = await t.request('GET', '/health/live', {
      headers: { 'x-request-id': 'bad id with spaces <script>' },
    });
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves liveness, readiness and info', async () => {
    expect((await t.request('GET', '/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json().status).toBe('ok');
    const info = (await t.request('GET', '/info')).json();
    expect(info).toMatchObject({ name: 'terrafusion-api', node_version: process.version });
  });

  it('serves the OpenAPI document', async () => {
    const res = await t.request('GET', '/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.json().openapi).toMatch(/^3\./);
  });
});
