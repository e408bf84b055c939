// `npm run bench:comparables`: latency of GET /api/v1/valuation/results/:job_id/parcels/:parcel_id/comparables on
// a 1,000,000-parcel synthetic county. The county is loaded by `npm run seed` in a child process, a regression
// valuation runs inside the service (ValuationEngine.run, then its job row is stored COMPLETED as the job platform
// stores it), and the service, listening on a loopback port, answers comparables of BENCH_SUBJECTS (default 50)
// random parcels the regression valued, one request at a time, over HTTP; prints median and p95.
// Uses DATABASE_URL when set, else an embedded PostgreSQL in a temporary directory.
// BENCH_PARCELS overrides the parcel count; BENCH_LIMIT the comparables per request (default 5); BENCH_KEEP_DIR=<dir>
// keeps the embedded data in <dir>; BENCH_REUSE=true keeps a county already loaded with the same parcel count and
// its newest completed regression valuation instead of generating and valuing them again.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchToken, median, runBench, withBenchApp, type BenchApp } from './support.js';

const PARCELS = Number(process.env.BENCH_PARCELS ?? 1_000_000);
const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 50);
const LIMIT = Number(process.env.BENCH_LIMIT ?? 5);
const WARMUP = 5;
const COUNTY = 'bench-comparables';
const SEED = 42;
const TAX_YEAR = 2025;

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

function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]);
}

async function main(): Promise<void> {
  process.env.RATE_LIMIT_ENABLED = 'false';
  await withBenchApp('comparables', run, { keepDir: process.env.BENCH_KEEP_DIR });
}

/** The newest completed regression valuation of the county with stored values, when reusing. */
async function reusableJob(db: BenchApp['db']): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT j.id FROM jobs j JOIN valuation_runs r ON r.job_id = j.id
      WHERE j.module = 'valuation' AND j.county_id = $1 AND j.status = 'COMPLETED' AND r.method = 'regression'
        AND r.tax_year = $2 AND r.parcel_count = $3
      ORDER BY j.finished_at DESC LIMIT 1`,
    [COUNTY, TAX_YEAR, PARCELS],
  );
  return rows[0]?.id ?? null;
}

async function run({ app, db, databaseUrl }: BenchApp): Promise<void> {
  const reuse = process.env.BENCH_REUSE === 'true';
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM parcels WHERE county_id = $1', [
    COUNTY,
  ]);
  const loaded = reuse && rows[0].n === PARCELS;
  if (loaded) {
    console.log(`Reusing county ${COUNTY}: ${PARCELS.toLocaleString('en-US')} parcels`);
  } else {
    const started = performance.now();
    await runSeed(databaseUrl);
    console.log(`Loaded in ${((performance.now() - started) / 1000).toFixed(1)} s (child process)`);
  }

  let jobId = loaded ? await reusableJob(db) : null;
  if (jobId !== null) {
    console.log(`Reusing regression valuation ${jobId}`);
  } else {
    const { ValuationEngine } = await import('../src/valuation/valuation-engine.js');
    const engine = app.get(ValuationEngine, { strict: false });
    jobId = randomUUID();
    const parameters = { county_id: COUNTY, tax_year: TAX_YEAR, method: 'regression' as const };
    const started = performance.now();
    const result = await engine.run({ jobId, countyId: COUNTY, taxYear: TAX_YEAR, method: 'regression' }, () =>
      Promise.resolve(),
    );
    console.log(
      `Regression valuation in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
        `${result.diagnostics.n_sales.toLocaleString('en-US')} sales, R² ${result.diagnostics.r_squared}`,
    );
    // The job row as the platform leaves a completed job: status, parameters and result.
    await db.query(
      `INSERT INTO jobs (id, module, county_id, parameters, status, progress, attempts, max_attempts, started_at,
                         finished_at, result, requested_by)
       VALUES ($1, 'valuation', $2, $3, 'COMPLETED', 1, 1, 1, now(), now(), $4, 'bench')`,
      [jobId, COUNTY, JSON.stringify(parameters), JSON.stringify(result)],
    );
  }

  // Random parcels the regression valued (improved residential with every characteristic), a fixed sample.
  const subjects = (
    await db.query<{ parcel_id: string }>(
      `SELECT p.parcel_id FROM valuation_values v
         JOIN parcels p ON p.county_id = $2 AND p.parcel_id = v.parcel_id
        WHERE v.job_id = $1 AND p.property_class = 'residential' AND p.building_sqft > 0 AND p.land_sqft > 0
          AND p.year_built > 0 AND p.quality > 0 AND p.condition > 0 AND p.bathrooms >= 0
        ORDER BY md5(p.parcel_id || 'comparables') LIMIT $3`,
      [jobId, COUNTY, SUBJECTS + WARMUP],
    )
  ).rows.map((r) => r.parcel_id);

  await db.query('ANALYZE parcels; ANALYZE sales');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as { port: number };
  const token = benchToken(
    { permissions: ['valuation:view_results'], counties: [COUNTY] },
    process.env.AUTH_JWT_SECRET,
  );
  const headers = { authorization: `Bearer ${token}` };
  const url = (parcel: string) =>
    `http://127.0.0.1:${port}/api/v1/valuation/results/${jobId}/parcels/${encodeURIComponent(parcel)}/comparables?limit=${LIMIT}`;

  const latencies: number[] = [];
  const ratios: number[] = [];
  const candidates: number[] = [];
  let widened = 0;
  for (const [i, parcel] of subjects.entries()) {
    const started = performance.now();
    const res = await fetch(url(parcel), { headers });
    const body = (await res.json()) as {
      indicated_to_model_ratio: number | null;
      search: { widened: boolean; candidate_sales: number };
    };
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`${parcel}: ${res.status} ${JSON.stringify(body)}`);
    if (i < WARMUP) continue;
    latencies.push(ms);
    if (body.indicated_to_model_ratio !== null) ratios.push(body.indicated_to_model_ratio);
    candidates.push(body.search.candidate_sales);
    if (body.search.widened) widened++;
  }

  console.log('');
  console.log(
    `county: ${PARCELS.toLocaleString('en-US')} parcels; ${latencies.length} parcels, limit ${LIMIT}, ` +
      `one request at a time (after ${WARMUP} warm-up requests)`,
  );
  console.log(
    `latency: median ${median(latencies).toFixed(1)} ms, p95 ${quantile(latencies, 0.95).toFixed(1)} ms, ` +
      `min ${Math.min(...latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (target: median ≤ 300 ms)`,
  );
  console.log(
    `candidate sales per request: median ${median(candidates)}, max ${Math.max(...candidates)}; ` +
      `widened to nearby neighborhoods: ${widened}`,
  );
  console.log(`indicated value / model value: median ${median(ratios).toFixed(4)}`);
}

runBench(main);
