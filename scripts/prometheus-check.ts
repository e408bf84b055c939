// npm run test:prometheus — conformance with the real tools (Debian's `prometheus` package):
//  1. starts the built service (temp DATA_DIR, free ports, METRICS_AUTH_TOKEN) and exercises every
//     route family: 2xx, 400, 401, 403, 404 (unmatched), 429;
//  2. `promtool check metrics` on a real scrape must print nothing;
//  3. a real Prometheus server on loopback scrapes the service with the bearer token every second; the
//     target must be up and `sum(http_requests_total)` and the p95 histogram_quantile must return data.
// Everything is stopped at the end (the service by SIGTERM, which also stops its embedded PostgreSQL);
// the whole check is bounded to 110 s.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { parseExposition, sampleValue } from '../src/observability/exposition-parser.js';
import { freePort, sleep, startService, stopChild, type ServiceProcess } from './service-process.js';

const SECRET = 'prometheus-check-secret-0123456789abcdef';
const METRICS_TOKEN = 'prometheus-check-scrape-token-0123456789';
const LIMIT_PER_SUBJECT = 5;
const DEADLINE_MS = 110_000;

const token = (sub: string, extra: Record<string, unknown>) =>
  jwt.sign({ sub, counties: ['*'], ...extra }, SECRET, { algorithm: 'HS256', expiresIn: 600 });

function log(message: string): void {
  console.log(`[prometheus-check] ${message}`);
}

async function call(service: ServiceProcess, method: string, path: string, bearer?: string, body?: unknown) {
  const res = await fetch(service.baseUrl + path, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Every route family once; returns the expected `route|status → count` it produced. */
async function exercise(service: ServiceProcess): Promise<Map<string, number>> {
  const viewer = token('check-viewer', { roles: ['viewer'] });
  const admin = token('check-admin', { roles: ['admin'] });
  const monitoring = token('check-monitoring', { roles: ['monitoring'] });
  const limited = token('check-limited', { roles: ['viewer'] });
  const expected = new Map<string, number>();
  const expect = async (
    method: string,
    path: string,
    route: string,
    status: number,
    bearer?: string,
    body?: unknown,
  ) => {
    const got = await call(service, method, path, bearer, body);
    if (got !== status) throw new Error(`${method} ${path}: expected ${status}, got ${got}`);
    const key = `${method} ${route} ${status}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  };
  await expect('GET', '/health/live', '/health/live', 200);
  await expect('GET', '/health/ready', '/health/ready', 200);
  await expect('GET', '/api/v1/counties', '/api/v1/counties', 200, viewer);
  await expect('PUT', '/api/v1/counties/check', '/api/v1/counties/:county_id', 201, admin, { name: 'Check County' });
  await expect('PUT', '/api/v1/counties/check', '/api/v1/counties/:county_id', 400, admin, { name: '' });
  await expect('GET', '/api/v1/counties/check/parcels', '/api/v1/counties/:county_id/parcels', 200, viewer);
  await expect('GET', '/api/v1/counties', '/api/v1/counties', 401);
  await expect('GET', '/api/v1/counties', '/api/v1/counties', 401, 'not-a-jwt');
  await expect('GET', '/api/v1/counties', '/api/v1/counties', 403, monitoring);
  await expect('GET', '/no/such/route', 'unmatched', 404);
  await expect('GET', '/wp-admin/setup.php', 'unmatched', 404);
  await expect('GET', '/metrics', '/metrics', 401);
  for (let i = 0; i < LIMIT_PER_SUBJECT; i++) await expect('GET', '/api/v1/counties', '/api/v1/counties', 200, limited);
  await expect('GET', '/api/v1/counties', '/api/v1/counties', 429, limited);
  return expected;
}

async function scrape(service: ServiceProcess): Promise<string> {
  const res = await fetch(service.baseUrl + '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${text}`);
  const type = res.headers.get('content-type');
  if (type !== 'text/plain; version=0.0.4; charset=utf-8') throw new Error(`/metrics content-type is ${type}`);
  return text;
}

function promtoolCheck(text: string): void {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  if (result.error) throw result.error;
  const output = (result.stdout + result.stderr).trim();
  if (result.status !== 0 || output !== '') {
    throw new Error(`promtool check metrics (exit ${result.status}) printed:\n${output}`);
  }
  log('promtool check metrics: clean (no output)');
}

function assertCounted(before: string, after: string, expected: Map<string, number>): void {
  const [b, a] = [parseExposition(before), parseExposition(after)];
  for (const [key, count] of expected) {
    const [method, route, status] = key.split(' ');
    const labels = { method, route, status_code: status };
    const got =
      (sampleValue(a, 'http_requests_total', labels) ?? 0) - (sampleValue(b, 'http_requests_total', labels) ?? 0);
    if (got !== count) throw new Error(`http_requests_total{${key}} grew by ${got}, expected ${count}`);
  }
  log(`http_requests_total counts every exercised request once (${expected.size} series checked)`);
}

async function promQuery(base: string, query: string): Promise<{ value: [number, string] }[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data?: { result: { value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query ${query} failed: ${JSON.stringify(body)}`);
  return body.data!.result;
}

async function withPrometheus(service: ServiceProcess, traffic: () => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tf-prometheus-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'token'), METRICS_TOKEN);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: terrafusion',
      '    metrics_path: /metrics',
      '    authorization:',
      '      type: Bearer',
      `      credentials_file: ${join(dir, 'token')}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${service.port}']`,
      '',
    ].join('\n'),
  );
  const check = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`promtool check config: ${check.stdout}${check.stderr}`);
  let output = '';
  const prometheus: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-10_000)));
  prometheus.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-10_000)));
  try {
    await until('Prometheus target up', 30_000, async () => {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited:\n${output}`);
      const res = await fetch(`${base}/api/v1/targets`).catch(() => undefined);
      if (!res?.ok) return false;
      const body = (await res.json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
      const target = body.data.activeTargets[0];
      if (target?.health === 'down') log(`target down: ${target.lastError}`);
      return target?.health === 'up';
    });
    log('Prometheus target is up (bearer-token scrape)');
    await until('sum(http_requests_total) and the p95 quantile return data', 45_000, async () => {
      await traffic();
      const sum = await promQuery(base, 'sum(http_requests_total)');
      const p95 = await promQuery(
        base,
        'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))',
      );
      const ok =
        sum.length > 0 && Number(sum[0].value[1]) > 0 && p95.length > 0 && Number.isFinite(Number(p95[0].value[1]));
      if (ok)
        log(`sum(http_requests_total) = ${sum[0].value[1]}; p95 latency = ${Number(p95[0].value[1]).toFixed(4)} s`);
      return ok;
    });
  } finally {
    await stopChild(prometheus, 10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(500);
  }
}

async function main(): Promise<void> {
  for (const tool of ['promtool', 'prometheus']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`${tool} is not installed (Debian package "prometheus"; .ci/real-tools installs it)`);
    }
  }
  const started = Date.now();
  const service = await startService({
    env: {
      AUTH_JWT_SECRET: SECRET,
      METRICS_AUTH_TOKEN: METRICS_TOKEN,
      RATE_LIMIT_PER_SUBJECT: String(LIMIT_PER_SUBJECT),
      RATE_LIMIT_PER_IP: '100000',
    },
  });
  log(`service up on ${service.baseUrl} in ${Date.now() - started} ms`);
  const watchdog = setTimeout(
    () => {
      console.error(`[prometheus-check] over ${DEADLINE_MS} ms; stopping`);
      void service.stop(5_000).finally(() => process.exit(1));
    },
    DEADLINE_MS - (Date.now() - started),
  );
  try {
    const before = await scrape(service);
    const expected = await exercise(service);
    log('exercised 2xx, 400, 401, 403, 404 (unmatched), 429; a 500 has no public trigger in the service');
    const text = await scrape(service);
    assertCounted(before, text, expected);
    promtoolCheck(text);
    const viewer = token('check-traffic', { roles: ['viewer'] });
    await withPrometheus(service, async () => {
      for (let i = 0; i < 3; i++) await call(service, 'GET', '/health/live');
      await call(service, 'GET', '/api/v1/counties', viewer);
    });
    log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    clearTimeout(watchdog);
    await service.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`[prometheus-check] FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
