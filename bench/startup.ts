// `npm run bench:startup`: time from spawning `node dist/src/main.js` to `GET /health/ready` = 200.
// Cold: a fresh DATA_DIR (initdb, migrations, demo county load). Warm: the same DATA_DIR again.
// Median of RUNS runs each; BENCH_PARCELS overrides DEMO_PARCELS (default 20000).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { sleep, stopChild } from '../scripts/service-process.js';
import { freePort } from './support.js';

const ROOT = resolve(import.meta.dirname, '../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PARCELS = process.env.BENCH_PARCELS ?? '20000';
const READY_TIMEOUT_MS = 180_000;

interface StartResult {
  ms: number;
  parcels: number;
}

async function startOnce(dataDir: string): Promise<StartResult> {
  const port = await freePort();
  const pgPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    EMBEDDED_PG_PORT: String(pgPort),
    DATA_DIR: dataDir,
    DEMO_DATA: 'true',
    DEMO_PARCELS: PARCELS,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    SHUTDOWN_DELAY_MS: '0',
  };
  delete env.DATABASE_URL;
  const started = performance.now();
  const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`service exited before it was ready:\n${output.slice(-3000)}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`not ready in ${READY_TIMEOUT_MS} ms`);
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) break;
      await sleep(25);
    }
    const ms = performance.now() - started;
    const client = new pg.Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/terrafusion` });
    await client.connect();
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM parcels WHERE county_id = 'demo'`,
    );
    await client.end();
    return { ms, parcels: rows[0].n };
  } finally {
    await stopChild(child, 30_000);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'tf-bench-startup-'));
    try {
      const c = await startOnce(dataDir);
      const w = await startOnce(dataDir);
      if (c.parcels !== Number(PARCELS) || w.parcels !== Number(PARCELS)) {
        throw new Error(`expected ${PARCELS} demo parcels, found ${c.parcels} (cold) and ${w.parcels} (warm)`);
      }
      cold.push(c.ms);
      warm.push(w.ms);
      process.stdout.write(`run ${run}: cold ${seconds(c.ms)}, warm ${seconds(w.ms)}\n`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const rows = [
    ['start', 'median', 'min', 'max', 'target'],
    [
      'cold (initdb + migrate + demo load)',
      seconds(median(cold)),
      seconds(Math.min(...cold)),
      seconds(Math.max(...cold)),
      '< 120 s',
    ],
    ['warm (data kept)', seconds(median(warm)), seconds(Math.min(...warm)), seconds(Math.max(...warm)), '< 15 s'],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(
    `\nTime to /health/ready, ${RUNS} runs, ${Number(PARCELS).toLocaleString('en-US')} demo parcels, ` +
      `node ${process.version}, ${cpus().length} cores\n\n`,
  );
  for (const r of rows) process.stdout.write(r.map((c, i) => c.padEnd(widths[i])).join('  ') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:startup failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
