// Structured logs of the built service (LOG_FORMAT=json): one line per request with its id, method,
// route, status and duration, and no credentials.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { ensureBuilt, get, spawnServer, type SpawnedServer } from '../support/process.js';
import { createTestDatabase } from '../support/test-app.js';
import { tokenFor } from '../support/tokens.js';

type LogLine = Record<string, unknown>;

describe('request logs of the built service', () => {
  let s: SpawnedServer;
  let lines: LogLine[];
  let raw: string;
  const token = tokenFor({ role: 'monitoring' });
  const querySecret = 'qs-' + randomBytes(8).toString('hex');

  beforeAll(async () => {
    ensureBuilt();
    s = await spawnServer({
      DATABASE_URL: await createTestDatabase('tf_logs'),
      SHUTDOWN_DELAY_MS: '1500',
      LOG_LEVEL: 'info',
    });
    await s.ready();
    await get(s.baseUrl + '/health/ready', 5000, { 'x-request-id': 'log-ready', authorization: `Bearer ${token}` });
    await get(s.baseUrl + `/info?access_token=${querySecret}&x=1`, 5000, {
      'x-request-id': 'log-info',
      authorization: `Bearer ${token}`,
    });
    await get(s.baseUrl + '/no/such/route', 5000, { 'x-request-id': 'log-404' });
    s.kill('SIGTERM');
    // Draining: readiness answers 503 until the delay is over; that is the probe doing its job.
    for (let i = 0; i < 50; i++) {
      const probe = await get(s.baseUrl + '/health/ready', 1000, { 'x-request-id': `log-drain-${i}` });
      if (probe.status === 503) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await s.exited).toBe(0);
    raw = s.stdout() + s.stderr();
    lines = s
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  }, 240_000);

  afterAll(() => {
    s?.kill('SIGKILL');
  });

  function requestLine(id: string): LogLine {
    const found = lines.filter((l) => l.request_id === id && l.status !== undefined);
    expect(found).toHaveLength(1);
    return found[0];
  }

  it('writes one JSON line per request with request_id, method, route, status and duration', () => {
    const ready = requestLine('log-ready');
    expect(ready).toMatchObject({
      level: 30,
      method: 'GET',
      route: '/health/ready',
      path: '/health/ready',
      status: 200,
    });
    expect(typeof ready.duration_ms).toBe('number');
    expect(typeof ready.msg).toBe('string');

    expect(requestLine('log-info')).toMatchObject({ method: 'GET', route: '/info', path: '/info', status: 200 });
    expect(requestLine('log-404')).toMatchObject({
      method: 'GET',
      route: 'unmatched',
      path: '/no/such/route',
      status: 404,
    });
  });

  it('logs no tokens, Authorization headers or query strings', () => {
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(token.split('.')[2]); // not even the signature
    expect(raw).not.toContain(querySecret);
    expect(raw).not.toContain('access_token');
    const logged = JSON.stringify(lines);
    expect(logged).not.toMatch(/authorization|bearer|cookie/i);
  });

  it('logs a probe answering 503 while draining at info, not as an error', () => {
    const drain = lines.filter((l) => String(l.request_id).startsWith('log-drain-') && l.status === 503);
    expect(drain.length).toBeGreaterThanOrEqual(1);
    for (const line of drain) expect(line).toMatchObject({ level: 30, route: '/health/ready' });
    expect(lines.filter((l) => l.level === 50)).toEqual([]);
  });

  it("keeps Nest's module and route listing out of the info log", () => {
    expect(lines.some((l) => l.context === 'InstanceLoader' || l.context === 'RouterExplorer')).toBe(false);
  });

  it('does not log liveness probes (they would drown the rest)', () => {
    expect(lines.some((l) => l.route === '/health/live')).toBe(false);
  });
});
