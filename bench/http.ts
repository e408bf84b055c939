// npm run bench:http — one run, same machine:
//  1. throughput of an authenticated, permission-guarded cheap route (GET /api/v1/counties, data:read)
//     with request metrics on vs off (METRICS_HTTP_ENABLED=false), two service processes on one
//     PostgreSQL, autocannon rounds alternating on/off → medians and their ratio (target ≥ 0.95), and
//     the CPU time each service process spends per request (less at the mercy of other load on the
//     machine than throughput: a busy neighbour slows a request down but does not make it cost more);
//  2. /metrics render time for 1,000 route × status label sets vs stock prom-client (target ≤ 0.5×)
//     and the event-loop delay during a scrape (target ≤ 10 ms) — see bench/scrape.ts.
import { readFileSync } from 'node:fs';
import { startService, type ServiceProcess } from '../scripts/service-process.js';
import { benchScrape, printScrape } from './scrape.js';
import { BENCH_SECRET, benchToken, loadAutocannon, median, type AutocannonResult } from './support.js';

const autocannon = loadAutocannon();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PATH = '/api/v1/counties';

/** User + system CPU seconds of a process so far (Linux /proc; undefined elsewhere). */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th, in clock ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

async function load(service: ServiceProcess, token: string, seconds: number): Promise<AutocannonResult> {
  const result = await autocannon({
    url: service.baseUrl + PATH,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${result.non2xx} non-2xx answers and ${result.errors} errors: the benchmark is not measuring the route`,
    );
  }
  return result;
}

async function main(): Promise<void> {
  const common = {
    AUTH_JWT_SECRET: BENCH_SECRET,
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: 'error',
    DATABASE_POOL_MAX: '10',
  };
  const token = benchToken({ permissions: ['data:read'], counties: ['*'] });
  console.log(`bench:http — ${ROUNDS} rounds × ${SECONDS} s per variant, ${CONNECTIONS} connections, GET ${PATH}`);
  const on = await startService({ env: { ...common, METRICS_HTTP_ENABLED: 'true' } });
  let off: ServiceProcess | undefined;
  try {
    const pgUrl = `postgres://postgres:postgres@127.0.0.1:${on.env.EMBEDDED_PG_PORT}/terrafusion`;
    off = await startService({ databaseUrl: pgUrl, env: { ...common, METRICS_HTTP_ENABLED: 'false' } });
    const check = await fetch(on.baseUrl + PATH, { headers: { authorization: `Bearer ${token}` } });
    if (check.status !== 200) throw new Error(`GET ${PATH} answered ${check.status}`);
    await load(on, token, 2); // warm-up both (JIT, pools)
    await load(off, token, 2);
    const rps = { on: [] as number[], off: [] as number[] };
    const cpuPerRequest = { on: [] as number[], off: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate the order so drift (thermal, neighbours) does not favour one variant.
      const order: ['on' | 'off', ServiceProcess][] =
        r % 2 === 0
          ? [
              ['on', on],
              ['off', off],
            ]
          : [
              ['off', off],
              ['on', on],
            ];
      for (const [name, service] of order) {
        const cpuBefore = cpuSeconds(service.child.pid);
        const result = await load(service, token, SECONDS);
        const cpuAfter = cpuSeconds(service.child.pid);
        rps[name].push(result.requests.average);
        const cpuUs =
          cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0
            ? ((cpuAfter - cpuBefore) / result.requests.total) * 1e6
            : undefined;
        if (cpuUs !== undefined) cpuPerRequest[name].push(cpuUs);
        console.log(
          `  round ${r + 1} metrics ${name.padEnd(3)}: ${result.requests.average.toFixed(0)} req/s (p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms)` +
            (cpuUs !== undefined ? `, ${cpuUs.toFixed(0)} µs CPU/request` : ''),
        );
      }
    }
    const medianOn = median(rps.on);
    const medianOff = median(rps.off);
    const ratio = medianOn / medianOff;
    console.log(
      `throughput median: metrics on ${medianOn.toFixed(0)} req/s, off ${medianOff.toFixed(0)} req/s → ratio ${ratio.toFixed(3)} (target ≥ 0.95)`,
    );

    const cpuOn = cpuPerRequest.on.length ? median(cpuPerRequest.on) : undefined;
    const cpuOff = cpuPerRequest.off.length ? median(cpuPerRequest.off) : undefined;
    if (cpuOn !== undefined && cpuOff !== undefined) {
      console.log(
        `service CPU per request (median): metrics on ${cpuOn.toFixed(0)} µs, off ${cpuOff.toFixed(0)} µs → off / on ${(cpuOff / cpuOn).toFixed(3)}`,
      );
    }

    const scrape = await benchScrape();
    printScrape(scrape);
    const met = ratio >= 0.95 && scrape.ratio <= 0.5 && scrape.fastLoopDelayMs <= 10 && scrape.identical;
    console.log('\n| figure | value | target |\n|---|---|---|');
    console.log(
      `| throughput, metrics on / off (median of ${ROUNDS} × ${SECONDS} s, ${CONNECTIONS} conns) | ${medianOn.toFixed(0)} / ${medianOff.toFixed(0)} req/s = **${ratio.toFixed(3)}** | ≥ 0.95 |`,
    );
    if (cpuOn !== undefined && cpuOff !== undefined) {
      console.log(
        `| service CPU per request, metrics on / off (median) | ${cpuOn.toFixed(0)} / ${cpuOff.toFixed(0)} µs (off / on = ${(cpuOff / cpuOn).toFixed(3)}) | — |`,
      );
    }
    console.log(
      `| /metrics render, 1,000 label sets: ours / stock (median) | ${scrape.fastMedianMs.toFixed(2)} / ${scrape.stockMedianMs.toFixed(2)} ms = **${scrape.ratio.toFixed(2)}×** | ≤ 0.5× |`,
    );
    console.log(
      `| event-loop delay during a scrape (median; worst) | **${scrape.fastLoopDelayMs.toFixed(1)} ms** (${scrape.fastWorstLoopDelayMs.toFixed(1)}); stock ${scrape.stockLoopDelayMs.toFixed(1)} ms | ≤ 10 ms |`,
    );
    console.log(met ? '\nall targets met' : '\nsome targets NOT met');
    process.exitCode = met ? 0 : 1;
  } finally {
    await off?.stop();
    await on.stop();
  }
}

await main();
