// `npm run bench:valuation`: a 1,000,000-parcel synthetic county (src/demo, loaded by `npm run seed` in a child
// process so its memory is not counted), then ValuationEngine.run inside the service (whole app booted), timed,
// with the service process's peak RSS (sampled process.memoryUsage().rss and the kernel's VmHWM).
// Uses DATABASE_URL when set, else an embedded PostgreSQL in a temporary directory.
// BENCH_PARCELS overrides the parcel count; BENCH_RUNS the regression runs (default 2: each stores a version of
// its own beside the certified roll); BENCH_COST=false skips the cost-method run and BENCH_NEW_YEAR=false the
// regression for the next tax year (no certified roll for it);
// BENCH_KEEP_DIR=<dir> keeps the embedded data in <dir>; BENCH_REUSE=true keeps a county already loaded with
// the same parcel count instead of generating it again.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBench, withBenchApp, type BenchApp } from './support.js';

const PARCELS = Number(process.env.BENCH_PARCELS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const WITH_COST = process.env.BENCH_COST !== 'false';
const WITH_NEW_YEAR = process.env.BENCH_NEW_YEAR !== 'false';
const COUNTY = 'bench-valuation';
const SEED = 42;
const TAX_YEAR = 2025;

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Peak resident set size of this process from the kernel (kB → bytes), or NaN off Linux. */
function vmHwm(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function runSeed(databaseUrl: string): Promise<void> {
  const script = resolve(dirname(fileURLToPath(import.meta.url)), '../scripts/seed.js');
  const args = [script, '--county', COUNTY, '--parcels', String(PARCELS), '--seed', String(SEED)];
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [...args, '--database-url', databaseUrl], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`seed exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  // The app boots first so the schema exists; the county is then loaded from a separate process.
  await withBenchApp('valuation', run, {
    keepDir: process.env.BENCH_KEEP_DIR,
    imports: async () => [(await import('../src/valuation/valuation-engine.module.js')).ValuationEngineModule],
  });
}

async function run({ app, db, databaseUrl }: BenchApp): Promise<void> {
  const { ValuationEngine } = await import('../src/valuation/valuation-engine.js');
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM parcels WHERE county_id = $1', [
    COUNTY,
  ]);
  if (process.env.BENCH_REUSE === 'true' && rows[0].n === PARCELS) {
    console.log(`Reusing county ${COUNTY}: ${PARCELS.toLocaleString('en-US')} parcels`);
  } else {
    const started = performance.now();
    await runSeed(databaseUrl);
    console.log(`Loaded in ${((performance.now() - started) / 1000).toFixed(1)} s (child process)`);
  }
  const sales = await db.query<{ all: number; valid: number }>(
    `SELECT count(*)::int AS all, count(*) FILTER (WHERE is_valid)::int AS valid FROM sales WHERE county_id = $1`,
    [COUNTY],
  );
  const engine = app.get(ValuationEngine, { strict: false });

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
  const results: { method: string; seconds: number; steps: string }[] = [];
  const runOnce = async (method: 'regression' | 'cost', taxYear = TAX_YEAR) => {
    const started = performance.now();
    const steps: string[] = [];
    const result = await engine.run({ jobId: randomUUID(), countyId: COUNTY, taxYear, method }, async (f) => {
      // Loaded sales (0.1), calibrated (0.2), all parcels valued (0.9), values swapped in (0.98).
      if (f === 0.1 || f === 0.2 || f >= 0.9) steps.push(`${f}@${((performance.now() - started) / 1000).toFixed(1)}s`);
    });
    const seconds = (performance.now() - started) / 1000;
    const d = result.diagnostics;
    console.log(
      `${method} ${taxYear}: ${seconds.toFixed(1)} s — ${result.summary.parcel_count.toLocaleString('en-US')} parcels, ` +
        `${d.n_sales.toLocaleString('en-US')} sales, R² ${d.r_squared ?? '–'}, COD ${d.cod}, PRD ${d.prd} ` +
        `(progress ${steps.join(' ')})`,
    );
    results.push({ method: `${method} ${taxYear}`, seconds, steps: steps.join(' ') });
  };
  // The county carries a certified roll for TAX_YEAR: those rows are rewritten in place.
  for (let i = 0; i < RUNS; i++) await runOnce('regression');
  if (WITH_COST) await runOnce('cost');
  // A year without values yet: every row is inserted.
  if (WITH_NEW_YEAR) await runOnce('regression', TAX_YEAR + 1);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const hwm = vmHwm();

  const regression = results.filter((r) => r.method === `regression ${TAX_YEAR}`).map((r) => r.seconds);
  console.log('');
  console.log(
    `county: ${PARCELS.toLocaleString('en-US')} parcels, ${sales.rows[0].all.toLocaleString('en-US')} sales ` +
      `(${sales.rows[0].valid.toLocaleString('en-US')} valid)`,
  );
  console.log(`regression wall time: ${regression.map((s) => s.toFixed(1)).join(' s, ')} s (target ≤ 30 s)`);
  for (const r of results.filter((r) => r.method !== `regression ${TAX_YEAR}`)) {
    console.log(`${r.method} wall time: ${r.seconds.toFixed(1)} s`);
  }
  console.log(`service peak RSS: sampled ${mb(peakRss)} MB, VmHWM ${mb(hwm)} MB (target ≤ 600 MB)`);
}

runBench(main);
