// Job submission latency: POST /api/v1/valuation/run from 200 concurrent clients against the built
// service (embedded PostgreSQL, demo county); every request creates a real job (jobs row + pg-boss
// entry in one transaction). Target: p99 ≤ 50 ms.
//   npm run bench:jobs-submit
// Two runs:
//  1. 200 clients, each submitting, then pausing a random (exponential) think time of mean
//     BENCH_THINK_MS (1000) — 200 independent users, ≈ 200 submissions/s; p99 is compared to the target.
//  2. saturation: 200 clients without pause (autocannon, closed loop) — the throughput ceiling; its
//     latency is queueing (≈ clients / throughput), reported for reference.
// BENCH_SECONDS (10) per run; BENCH_WORKERS=true keeps workers running in the service (default: an
// API-only replica, JOBS_WORKERS_ENABLED=false, so valuations do not compete for the CPU measured).
import { Agent, request as httpRequest } from 'node:http';
import pg from 'pg';
import { startService, type ServiceProcess } from '../scripts/service-process.js';
import { BENCH_SECRET, benchToken, loadAutocannon } from './support.js';

const autocannon = loadAutocannon();
const CLIENTS = Number(process.env.BENCH_CONNECTIONS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 1000);
const WORKERS = process.env.BENCH_WORKERS === 'true';
const TARGET_P99_MS = 50;
const PATH = '/api/v1/valuation/run';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One POST over a keep-alive agent; resolves with the status and the time to the full answer (ms). */
function post(service: ServiceProcess, agent: Agent, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(
      service.baseUrl + PATH,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function users(service: ServiceProcess, headers: Record<string, string>, body: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const latencies: number[] = [];
  let failures = 0;
  const until = performance.now() + SECONDS * 1000;
  const client = async () => {
    // Independent users: a random start, then exponential pauses between submissions.
    await new Promise((r) => setTimeout(r, Math.random() * THINK_MS));
    while (performance.now() < until) {
      const { status, ms } = await post(service, agent, headers, body);
      if (status === 202) latencies.push(ms);
      else failures++;
      await new Promise((r) => setTimeout(r, -Math.log(1 - Math.random()) * THINK_MS));
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { latencies, failures };
}

async function main(): Promise<void> {
  const service = await startService({
    env: {
      AUTH_JWT_SECRET: BENCH_SECRET,
      RATE_LIMIT_ENABLED: 'false',
      LOG_LEVEL: 'error',
      DEMO_DATA: 'true',
      DEMO_PARCELS: '500',
      DATABASE_POOL_MAX: '20',
      JOBS_WORKERS_ENABLED: WORKERS ? 'true' : 'false',
    },
    readyTimeoutMs: 120_000,
  });
  try {
    const token = benchToken({ roles: ['assessor'], counties: ['*'] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ county_id: 'demo', tax_year: 2025, method: 'regression' });
    const check = await fetch(service.baseUrl + PATH, { method: 'POST', headers, body });
    if (check.status !== 202) throw new Error(`POST ${PATH} answered ${check.status}: ${await check.text()}`);
    await autocannon({ url: service.baseUrl + PATH, connections: 20, duration: 2, method: 'POST', headers, body });

    const u = await users(service, headers, body);
    if (u.failures > 0) throw new Error(`${u.failures} submissions were not answered 202`);
    const p = (q: number) => percentile(u.latencies, q).toFixed(1);
    const p99 = percentile(u.latencies, 99);

    const sat = await autocannon({
      url: service.baseUrl + PATH,
      connections: CLIENTS,
      duration: SECONDS,
      method: 'POST',
      headers,
      body,
    });
    if (sat.non2xx > 0 || sat.errors > 0) throw new Error(`${sat.non2xx} non-2xx answers, ${sat.errors} errors`);

    const db = new pg.Client({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${service.env.EMBEDDED_PG_PORT}/terrafusion`,
    });
    await db.connect();
    const { rows } = await db.query<{ jobs: number; entries: number }>(
      `SELECT (SELECT count(*)::int FROM jobs) AS jobs,
         (SELECT count(*)::int FROM pgboss.job WHERE name = 'tf-valuation') AS entries`,
    );
    await db.end();
    const ok = p99 <= TARGET_P99_MS;
    console.log(
      `bench:jobs-submit — POST ${PATH}, workers ${WORKERS ? 'on' : 'off'}, ${SECONDS} s per run\n` +
        `  ${CLIENTS} users (think time mean ${THINK_MS} ms): ${u.latencies.length} jobs, ` +
        `${(u.latencies.length / SECONDS).toFixed(0)} req/s; latency p50 ${p(50)} ms, p90 ${p(90)} ms, ` +
        `p99 ${p99.toFixed(1)} ms, max ${u.latencies[u.latencies.length - 1].toFixed(1)} ms\n` +
        `  saturation, ${CLIENTS} clients without pause: ${sat.requests.average.toFixed(0)} req/s; ` +
        `latency p50 ${sat.latency.p50} ms, p99 ${sat.latency.p99} ms\n` +
        `  jobs rows ${rows[0].jobs} = queue entries ${rows[0].entries}\n` +
        `  p99 ${ok ? '≤' : '>'} ${TARGET_P99_MS} ms at ${CLIENTS} users: ${ok ? 'PASS' : 'FAIL'}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await service.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
