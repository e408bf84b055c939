// /metrics over real HTTP: every response counted once with its template route and final status —
// handler answers (recorded by the global interceptor when the handler has its answer), guard
// rejections, body-parsing and router errors, unmatched routes, oversized headers and client aborts
// (recorded at the Fastify edge) — and a scanner cannot grow the series count.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, StreamableFile } from '@nestjs/common';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Public } from '../../src/auth/auth.decorators.js';
import { parseExposition, type Family } from '../../src/observability/exposition-parser.js';
import { ManagementServer } from '../../src/observability/management-server.js';
import { createTestApp, httpRequest, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const METRICS_TOKEN = 'scrape-token-for-tests-0123456789';
const SCRAPE = { authorization: `Bearer ${METRICS_TOKEN}` };

/** Larger than what loopback socket buffers hold, so a client that does not read holds the response back. */
const BIG_TEXT = 'x'.repeat(32 * 1024 * 1024);
/** Ends the current /test-metrics/stream response after its first chunk. */
let releaseStream: () => void = () => undefined;

@Controller('test-metrics')
class ProbeController {
  @Public()
  @Get('boom')
  boom(): never {
    throw new Error('kaboom');
  }

  @Public()
  @Get('big')
  big(): { text: string } {
    return { text: BIG_TEXT };
  }

  @Public()
  @Get('stream')
  stream(): StreamableFile {
    const gate = new Promise<void>((resolve) => (releaseStream = resolve));
    const chunks = async function* () {
      yield Buffer.from('first chunk\n');
      await gate;
      yield Buffer.from('last chunk\n');
    };
    return new StreamableFile(Readable.from(chunks()), { type: 'text/plain' });
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

/** A raw HTTP/1.1 connection to the app, for clients that stop reading or hang up. */
async function rawConnection(baseUrl: string): Promise<Socket> {
  const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return socket;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Series = Map<string, number>;

/** `name{labels}` → value for one family's samples (labels sorted). */
function seriesOf(families: Map<string, Family>, family: string, sampleName = family): Series {
  const out: Series = new Map();
  for (const s of families.get(family)?.samples ?? []) {
    if (s.name !== sampleName) continue;
    const labels = Object.entries(s.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    out.set(labels, s.value);
  }
  return out;
}

function delta(before: Series, after: Series): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

const key = (method: string, route: string, status: number) => `method=${method},route=${route},status_code=${status}`;

describe('metrics (e2e)', () => {
  let t: TestApp;
  const scrape = async () => {
    const res = await t.request('GET', '/metrics', { headers: SCRAPE });
    expect(res.status).toBe(200);
    return parseExposition(res.text);
  };
  /** Request deltas, ignoring the scrapes themselves. */
  const requestDelta = (before: Map<string, Family>, after: Map<string, Family>) => {
    const d = delta(seriesOf(before, 'http_requests_total'), seriesOf(after, 'http_requests_total'));
    for (const k of Object.keys(d)) if (k.includes('route=/metrics,status_code=200')) delete d[k];
    return d;
  };

  beforeAll(async () => {
    t = await createTestApp(
      { METRICS_AUTH_TOKEN: METRICS_TOKEN, RATE_LIMIT_PER_SUBJECT: '3', RATE_LIMIT_PER_IP: '1000000' },
      { imports: [ProbeModule] },
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the Prometheus text format with build info and default metrics, and requires the token', async () => {
    const open = await t.request('GET', '/metrics');
    expect(open.status).toBe(401);
    expect(open.headers.get('www-authenticate')).toBe('Bearer');
    expect((await t.request('GET', '/metrics', { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    const res = await t.request('GET', '/metrics', { headers: SCRAPE });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(res.text);
    const build = families.get('terrafusion_build_info')!.samples;
    expect(build).toHaveLength(1);
    expect(build[0]).toMatchObject({ value: 1, labels: { version: '0.1.0', node_version: process.version } });
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.has('nodejs_active_handles_total')).toBe(false);
    expect(families.get('db_connections_idle')?.samples[0].value).toBeGreaterThanOrEqual(0);
    expect(families.get('db_query_duration_seconds')?.samples.length).toBeGreaterThan(0);
  });

  it('counts the answers of handlers (200, 201, 202, 400, 404, 409, 500) once each, with the template route and final status', async () => {
    const before = await scrape();
    const viewer = authHeader({ sub: 'metrics-viewer', role: 'viewer' });
    const admin = authHeader({ sub: 'metrics-admin', role: 'admin' });
    const runner = authHeader({ sub: 'metrics-runner', role: 'admin' });
    const run = (taxYear: number) =>
      t.request('POST', '/api/v1/valuation/run', {
        headers: { ...runner, 'idempotency-key': 'metrics-run-1' },
        body: { county_id: 'metrics-county', tax_year: taxYear, method: 'cost' },
      });
    const results = [
      await t.request('GET', '/api/v1/counties', { headers: viewer }),
      await t.request('PUT', '/api/v1/counties/metrics-county', { headers: admin, body: { name: 'Metrics' } }),
      await t.request('PUT', '/api/v1/counties/metrics-county', { headers: admin, body: { name: '' } }),
      await run(2023),
      await run(2022), // same Idempotency-Key, another body
      await t.request('GET', '/api/v1/valuation/status/00000000-0000-4000-8000-000000000000', { headers: viewer }),
      await t.request('GET', '/test-metrics/boom'),
    ];
    expect(results.map((r) => r.status)).toEqual([200, 201, 400, 202, 409, 404, 500]);

    const after = await scrape();
    expect(requestDelta(before, after)).toEqual({
      [key('GET', '/api/v1/counties', 200)]: 1,
      [key('PUT', '/api/v1/counties/:county_id', 201)]: 1,
      [key('PUT', '/api/v1/counties/:county_id', 400)]: 1,
      [key('POST', '/api/v1/valuation/run', 202)]: 1,
      [key('POST', '/api/v1/valuation/run', 409)]: 1,
      [key('GET', '/api/v1/valuation/status/:job_id', 404)]: 1,
      [key('GET', '/test-metrics/boom', 500)]: 1,
    });
    const histogram = delta(
      seriesOf(before, 'http_request_duration_seconds', 'http_request_duration_seconds_count'),
      seriesOf(after, 'http_request_duration_seconds', 'http_request_duration_seconds_count'),
    );
    expect(histogram[key('POST', '/api/v1/valuation/run', 202)]).toBe(1);
    expect(histogram[key('GET', '/test-metrics/boom', 500)]).toBe(1);
    expect(delta(seriesOf(before, 'errors_total'), seriesOf(after, 'errors_total'))).toEqual({
      'route=/api/v1/counties/:county_id,type=validation': 1,
      'route=/api/v1/valuation/run,type=conflict': 1,
      'route=/api/v1/valuation/status/:job_id,type=not_found': 1,
      'route=/test-metrics/boom,type=internal': 1,
    });
    // Nothing is in flight between requests.
    for (const [, v] of seriesOf(after, 'http_requests_in_flight')) expect(v).toBeLessThanOrEqual(1);
  });

  it('counts answers that never reach a handler (401, 403, 429, 404, 400, 413, 414, 415, 431) once each', async () => {
    const before = await scrape();
    const admin = authHeader({ sub: 'metrics-edge-admin', role: 'admin' });
    const results = [
      await t.request('GET', '/api/v1/counties'),
      await t.request('GET', '/api/v1/counties', {
        headers: authHeader({ sub: 'metrics-monitor', role: 'monitoring' }),
      }),
      await t.request('GET', '/no/such/thing/42'),
      await t.request('PUT', '/api/v1/counties/metrics-edge', {
        headers: { ...admin, 'content-type': 'application/json' },
        body: '{"name": ',
      }),
      await t.request('PUT', '/api/v1/counties/metrics-edge', {
        headers: { ...admin, 'content-type': 'text/plain' },
        body: 'name=x',
      }),
    ];
    const ops = authHeader({ sub: 'metrics-edge-ops', role: 'admin' });
    results.push(
      await t.request('PUT', '/api/v1/counties/metrics-edge', { headers: ops, body: { name: 'x'.repeat(1_100_000) } }),
      await t.request('GET', `/api/v1/counties/${'x'.repeat(300)}/parcels`, { headers: ops }),
      await t.request('GET', '/api/v1/counties', { headers: { ...ops, 'x-padding': 'y'.repeat(20_000) } }),
    );
    expect(results.map((r) => r.status)).toEqual([401, 403, 404, 400, 415, 413, 414, 431]);
    const limited = authHeader({ sub: 'metrics-limited', role: 'viewer' });
    const burst: number[] = [];
    for (let i = 0; i < 4; i++) burst.push((await t.request('GET', '/api/v1/counties', { headers: limited })).status);
    expect(burst).toEqual([200, 200, 200, 429]);

    const after = await scrape();
    expect(requestDelta(before, after)).toEqual({
      [key('GET', '/api/v1/counties', 200)]: 3,
      [key('GET', '/api/v1/counties', 401)]: 1,
      [key('GET', '/api/v1/counties', 403)]: 1,
      [key('GET', '/api/v1/counties', 429)]: 1,
      [key('GET', 'unmatched', 404)]: 1,
      [key('PUT', '/api/v1/counties/:county_id', 400)]: 1,
      [key('PUT', '/api/v1/counties/:county_id', 413)]: 1,
      [key('PUT', '/api/v1/counties/:county_id', 415)]: 1,
      [key('GET', 'unmatched', 414)]: 1,
      [key('GET', 'unmatched', 431)]: 1,
    });
    const histogram = delta(
      seriesOf(before, 'http_request_duration_seconds', 'http_request_duration_seconds_count'),
      seriesOf(after, 'http_request_duration_seconds', 'http_request_duration_seconds_count'),
    );
    expect(histogram[key('GET', '/api/v1/counties', 429)]).toBe(1);
    expect(histogram[key('GET', 'unmatched', 414)]).toBe(1);
    expect(delta(seriesOf(before, 'rate_limit_exceeded_total'), seriesOf(after, 'rate_limit_exceeded_total'))).toEqual({
      'key_type=subject': 1,
    });
    expect(delta(seriesOf(before, 'authz_denied_total'), seriesOf(after, 'authz_denied_total'))).toEqual({
      'permission=data:read': 1,
    });
    expect(delta(seriesOf(before, 'auth_attempts_total'), seriesOf(after, 'auth_attempts_total'))).toMatchObject({
      'result=missing': 1,
    });
    for (const [, v] of seriesOf(after, 'http_requests_in_flight')) expect(v).toBeLessThanOrEqual(1);
  });

  it('counts the answer of a handler when the handler has it, not when a slow client has read it', async () => {
    const before = await scrape();
    const route = key('GET', '/test-metrics/big', 200);
    const counted = async () => requestDelta(before, await scrape())[route] ?? 0;
    const socket = await rawConnection(t.baseUrl);
    socket.pause(); // reads nothing: the 32 MB answer stays in the service's write queue
    const sent = performance.now();
    socket.write('GET /test-metrics/big HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    for (let i = 0; i < 250 && (await counted()) < 1; i++) await sleep(20);
    expect(await counted()).toBe(1);
    const inFlight = seriesOf(await scrape(), 'http_requests_in_flight');
    expect(inFlight.get('method=GET,route=/test-metrics/big') ?? 0).toBe(0);
    await sleep(300);
    const held = (performance.now() - sent) / 1000;
    // Now read it all: the response finishing must not count the request again.
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    await closed;
    expect(bytes).toBeGreaterThan(BIG_TEXT.length);
    const after = await scrape();
    expect(requestDelta(before, after)).toEqual({ [route]: 1 });
    const seconds = delta(
      seriesOf(before, 'http_request_duration_seconds', 'http_request_duration_seconds_sum'),
      seriesOf(after, 'http_request_duration_seconds', 'http_request_duration_seconds_sum'),
    )[route];
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(held);
  });

  it('counts a streamed answer when its last byte is sent, and as 499 once when its client leaves mid-stream', async () => {
    const route = (status: number) => key('GET', '/test-metrics/stream', status);
    const streaming = async () =>
      seriesOf(await scrape(), 'http_requests_in_flight').get('method=GET,route=/test-metrics/stream') ?? 0;
    const before = await scrape();

    const res = await fetch(`${t.baseUrl}/test-metrics/stream`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first chunk\n');
    // The handler returned long ago; the answer is not finished, so it is not counted yet.
    expect(requestDelta(before, await scrape())).toEqual({});
    expect(await streaming()).toBe(1);
    releaseStream();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toBe('last chunk\n');
    for (let i = 0; i < 100 && (await streaming()) > 0; i++) await sleep(20);
    expect(requestDelta(before, await scrape())).toEqual({ [route(200)]: 1 });

    const socket = await rawConnection(t.baseUrl);
    socket.write('GET /test-metrics/stream HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    expect(await streaming()).toBe(1);
    socket.destroy();
    for (let i = 0; i < 100 && (await streaming()) > 0; i++) await sleep(20);
    expect(await streaming()).toBe(0);
    releaseStream(); // lets the abandoned generator finish
    expect(requestDelta(before, await scrape())).toEqual({ [route(200)]: 1, [route(499)]: 1 });
  });

  it('counts a request whose client hung up before the answer once, as 499, and leaves nothing in flight', async () => {
    const before = await scrape();
    const inFlight = () =>
      scrape().then((f) => seriesOf(f, 'http_requests_in_flight').get('method=POST,route=/api/v1/valuation/run') ?? 0);
    // A body announced at 1,000 bytes of which 10 arrive: the request waits in body parsing, then the
    // client closes the connection. A keep-alive connection that answered one request first must not
    // count that one again.
    const socket = await rawConnection(t.baseUrl);
    socket.write('GET /api/v1/counties HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(
      'POST /api/v1/valuation/run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
        'content-length: 1000\r\n\r\n{"county_i',
    );
    for (let i = 0; i < 100 && (await inFlight()) < 1; i++) await sleep(20);
    expect(await inFlight()).toBe(1);
    socket.destroy();
    for (let i = 0; i < 100 && (await inFlight()) > 0; i++) await sleep(20);
    expect(await inFlight()).toBe(0);
    expect(requestDelta(before, await scrape())).toEqual({
      [key('GET', '/api/v1/counties', 401)]: 1,
      [key('POST', '/api/v1/valuation/run', 499)]: 1,
    });
  });

  it('10,000 requests to random unknown paths add no series beyond route="unmatched"', async () => {
    const before = await scrape();
    const total = 10_000;
    const batch = 250;
    const statuses = new Map<number, number>();
    for (let start = 0; start < total; start += batch) {
      const responses = await Promise.all(
        Array.from({ length: batch }, async (_, i) => {
          const res = await fetch(`${t.baseUrl}/scan/${Math.random().toString(36).slice(2)}/${start + i}?q=${i}`);
          await res.arrayBuffer();
          return res.status;
        }),
      );
      for (const s of responses) statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    expect([...statuses]).toEqual([[404, total]]);
    const after = await scrape();
    const beforeKeys = new Set(seriesOf(before, 'http_requests_total').keys());
    const added = [...seriesOf(after, 'http_requests_total').keys()].filter((k) => !beforeKeys.has(k));
    expect(added.filter((k) => !k.includes('route=/metrics'))).toEqual([]);
    expect(requestDelta(before, after)).toEqual({ [key('GET', 'unmatched', 404)]: total });
    const routes = new Set([...seriesOf(after, 'http_requests_total').keys()].map((k) => /route=([^,]*)/.exec(k)![1]));
    expect([...routes].filter((r) => r.startsWith('/scan'))).toEqual([]);
    const histogramRoutes = new Set(
      after.get('http_request_duration_seconds')!.samples.map((sample) => sample.labels.route),
    );
    expect([...histogramRoutes].filter((r) => r.startsWith('/scan'))).toEqual([]);
  });

  it('serves /metrics and the probes on MANAGEMENT_PORT too', async () => {
    const management = await ManagementServer.start(t.app, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${management!.port}`;
      expect((await httpRequest(base, 'GET', '/metrics')).status).toBe(401);
      const res = await httpRequest(base, 'GET', '/metrics', { headers: SCRAPE });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(parseExposition(res.text).get('terrafusion_build_info')!.samples[0].value).toBe(1);
      expect((await httpRequest(base, 'GET', '/health/live')).json()).toEqual({ status: 'ok' });
      const ready = await httpRequest(base, 'GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'ok', checks: { database: 'up' } });
      expect((await httpRequest(base, 'GET', '/health')).status).toBe(200);
      expect((await httpRequest(base, 'GET', '/api/v1/counties')).status).toBe(404);
      expect((await httpRequest(base, 'POST', '/metrics')).status).toBe(405);
    } finally {
      await management!.close();
    }
  });
});
