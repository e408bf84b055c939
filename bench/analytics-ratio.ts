// Ratio-study part of `npm run bench:analytics`: a synthetic county with 200,000 valid sales in 50 neighborhoods
// (one sale per parcel, values of the tax year with realistic dispersion), then ReportingEngine.run of a ratio study
// stratified by property class and neighborhood inside the booted service, timed (target ≤ 3 s).
// Uses DATABASE_URL when set, else an embedded PostgreSQL in a temporary directory.
// BENCH_SALES overrides the sale count, BENCH_NEIGHBORHOODS the neighborhood count, BENCH_RUNS the timed runs.
import 'reflect-metadata';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { runBench, withBenchApp } from './support.js';

const SALES = Number(process.env.BENCH_SALES ?? 200_000);
const NEIGHBORHOODS = Number(process.env.BENCH_NEIGHBORHOODS ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COUNTY = 'bench-ratio';
const TAX_YEAR = 2025;
const TARGET_S = 3;
const CLASSES = [
  'residential',
  'residential',
  'residential',
  'residential',
  'residential',
  'residential',
  'commercial',
  'vacant',
];

/** A fixed pseudo-random fraction in [0, 1) per (row, stream). */
function hash(i: number, stream: number): number {
  let h = Math.imul(i + 1, 2654435761) ^ Math.imul(stream + 1, 40503);
  h = Math.imul(h ^ (h >>> 15), 2246822519);
  h = Math.imul(h ^ (h >>> 13), 3266489917);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** Roughly normal (sum of uniforms), mean 0, sd 1. */
function normal(i: number, stream: number): number {
  let s = 0;
  for (let k = 0; k < 6; k++) s += hash(i, stream * 8 + k);
  return (s - 3) * Math.SQRT2;
}

function* lines(kind: 'parcels' | 'sales' | 'assessments'): Generator<string> {
  const chunk: string[] = [];
  for (let i = 0; i < SALES; i++) {
    const id = `R${String(i).padStart(7, '0')}`;
    const nb = `NB-${String(i % NEIGHBORHOODS).padStart(2, '0')}`;
    const pc = CLASSES[Math.floor(hash(i, 1) * CLASSES.length)];
    const price = Math.round(Math.exp(12.2 + 0.45 * normal(i, 2)) / 100) * 100;
    // Assessment level ≈ 0.93 with 12 % dispersion and a little regressivity.
    const value = Math.round(price * 0.93 * Math.pow(price / 200_000, -0.03) * Math.exp(0.12 * normal(i, 3)));
    if (kind === 'parcels') {
      chunk.push(`${COUNTY}\t${id}\t${nb}\t${pc}\t6000\t1500\t1980\t3\t3\t3\t2\t${i} Bench St\t-86.5\t39.1\n`);
    } else if (kind === 'sales') {
      const day = Math.floor(hash(i, 4) * 366);
      const date = new Date(Date.UTC(TAX_YEAR - 1, 0, 1 + day)).toISOString().slice(0, 10);
      chunk.push(`${COUNTY}\t${id}\t${date}\t${price}\ttrue\tARMS_LENGTH\tWARRANTY\n`);
    } else {
      const land = Math.floor(value / 4);
      chunk.push(`${COUNTY}\t${id}\t${TAX_YEAR}\t${land}\t${value - land}\t${value}\n`);
    }
    if (chunk.length === 5000) yield chunk.splice(0).join('');
  }
  if (chunk.length > 0) yield chunk.join('');
}

const COLUMNS = {
  parcels:
    'county_id, parcel_id, neighborhood, property_class, land_sqft, building_sqft, year_built, quality, condition, bedrooms, bathrooms, situs_address, lon, lat',
  sales: 'county_id, parcel_id, sale_date, sale_price, is_valid, validity_code, deed_type',
  assessments: 'county_id, parcel_id, tax_year, land_value, improvement_value, total_value',
};

async function loadCounty(db: pg.Client): Promise<void> {
  await db.query('BEGIN');
  await db.query(`INSERT INTO counties (id, name) VALUES ($1, 'Ratio bench county') ON CONFLICT (id) DO NOTHING`, [
    COUNTY,
  ]);
  await db.query('DELETE FROM assessments WHERE county_id = $1', [COUNTY]);
  await db.query('DELETE FROM sales WHERE county_id = $1', [COUNTY]);
  await db.query('DELETE FROM parcels WHERE county_id = $1', [COUNTY]);
  for (const kind of ['parcels', 'sales', 'assessments'] as const) {
    await pipeline(Readable.from(lines(kind)), db.query(copyFrom(`COPY ${kind} (${COLUMNS[kind]}) FROM STDIN`)));
  }
  await db.query('COMMIT');
  await db.query('ANALYZE parcels, sales, assessments');
}

async function main(): Promise<void> {
  await withBenchApp('ratio', async ({ app, db }) => {
    const { ReportingEngine } = await import('../src/reporting/reporting-engine.js');
    let started = performance.now();
    await loadCounty(db);
    console.log(
      `ratio study: loaded ${SALES.toLocaleString('en-US')} sales in ${NEIGHBORHOODS} neighborhoods in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const engine = app.get(ReportingEngine, { strict: false });
    const times: number[] = [];
    let last: Record<string, unknown> = {};
    for (let run = 0; run < RUNS; run++) {
      started = performance.now();
      let queried = 0;
      last = await engine.run(
        {
          jobId: `bench-${run}`,
          countyId: COUNTY,
          taxYear: TAX_YEAR,
          reportType: 'ratio_study',
          groupBy: ['property_class', 'neighborhood'],
        },
        async (f) => {
          if (f === 0.4) queried = performance.now() - started;
        },
      );
      const ms = performance.now() - started;
      times.push(ms / 1000);
      console.log(
        `ratio study run ${run + 1}: ${(ms / 1000).toFixed(2)} s (query ${(queried / 1000).toFixed(2)} s, ` +
          `statistics ${((ms - queried) / 1000).toFixed(2)} s)`,
      );
    }
    const strata = last.strata as {
      group: Record<string, string>;
      untrimmed: Record<string, number>;
      trimmed_count: number;
    }[];
    const overall = strata[0].untrimmed;
    console.log(
      `ratio study: ${strata.length} strata; overall n ${overall.n}, median ${overall.median.toFixed(4)}, ` +
        `COD ${overall.cod.toFixed(2)}, PRD ${overall.prd.toFixed(4)}, PRB ${overall.prb.toFixed(4)}, ` +
        `trimmed ${strata[0].trimmed_count}`,
    );
    const best = Math.min(...times);
    const worst = Math.max(...times);
    console.log(
      `ratio study over ${SALES.toLocaleString('en-US')} sales: best ${best.toFixed(2)} s, worst ${worst.toFixed(2)} s ` +
        `(target ≤ ${TARGET_S} s) ${worst <= TARGET_S ? 'PASS' : 'FAIL'}`,
    );
    if (worst > TARGET_S) process.exitCode = 1;
  });
}

runBench(main);
