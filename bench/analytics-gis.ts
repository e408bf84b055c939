// GIS-export part of `npm run bench:analytics`: a 1,000,000-parcel demo county (the demo loader), then
// GisExportEngine.run of every format inside the booted service, each file stored in PostgreSQL, against a
// bare `COPY (the same query) TO STDOUT` measured in the same run. Targets: GeoJSON ≥ 100,000 features/s,
// ≥ 0.5× the COPY rate and the service's peak RSS ≤ 400 MB while exporting; csv, kml, shapefile ≥ 30,000
// features/s. Uses DATABASE_URL when set, else an embedded PostgreSQL in a temporary directory.
// BENCH_PARCELS overrides the parcel count, BENCH_FORMATS the formats (comma-separated), BENCH_RUNS the runs
// per measurement (default 3; figures are the median run, peak RSS the highest of the runs).
//
// Both rates are the county's parcel count per second of wall time (the COPY's own row count and the
// export's feature_count are checked to be that count): the bare COPY from sending the query until the
// last byte is read and dropped (one untimed warm-up run first, so the database's cache is warm for every
// timed run; the timed runs alternate with the GeoJSON runs), the export from calling GisExportEngine.run
// until it returns the stored file's result (selection count, rendering, compression, storage, commit).
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { to as copyTo } from 'pg-copy-streams';
import { median, runBench, withBenchApp } from './support.js';
import type { ValueSet } from '../src/counties/value-sets.repository.js';

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
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

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
  await withBenchApp('gis', async ({ app, db }) => {
    const { DataSource } = await import('typeorm');
    const { loadDemoCounty } = await import('../src/demo/demo-data.service.js');
    const { GisExportEngine } = await import('../src/gis-export/gis-export-engine.js');
    const { exportCopySql } = await import('../src/gis-export/gis-export.repository.js');
    let failed = false;
    let started = performance.now();
    await loadDemoCounty(app.get(DataSource), { countyId: COUNTY, parcels: PARCELS, seed: SEED });
    console.log(
      `gis export: loaded a ${fmt(PARCELS)}-parcel demo county in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    // Steady state before timing anything: the freshly loaded tables vacuumed (hint bits set, visibility
    // map built) and a checkpoint taken, so neither background autovacuum nor first-read page writes land
    // in one measurement and not another.
    await db.query('VACUUM (ANALYZE) parcels, assessments');
    await db.query('CHECKPOINT').catch(() => undefined); // needs pg_checkpoint on a shared server
    const { rows } = await db.query<{ y: number }>('SELECT max(tax_year) AS y FROM assessments WHERE county_id = $1', [
      COUNTY,
    ]);
    const taxYear = rows[0].y;

    // Baseline: the export's own query (exportCopySql, the very text the engine sends) through COPY, drained
    // without processing: bytes counted and dropped. The timed COPY runs alternate with the GeoJSON runs (a
    // COPY right before each export), so both see the same machine load; without GeoJSON they run in a row.
    const values: ValueSet = {
      requested: 'current',
      used: 'certified',
      tax_year: taxYear,
      job_id: null,
      adopted: false,
      certified_fallback: false,
    };
    const copySql = exportCopySql({ countyId: COUNTY, values }, (v) => db.escapeLiteral(v));
    const copySeconds: number[] = [];
    let copyBytes = 0;
    const copyOnce = async (): Promise<number> => {
      const begun = performance.now();
      copyBytes = 0;
      const stream = db.query(copyTo(copySql));
      for await (const chunk of stream as AsyncIterable<Buffer>) copyBytes += chunk.length;
      const seconds = (performance.now() - begun) / 1000;
      if (stream.rowCount !== PARCELS) throw new Error(`bare COPY returned ${stream.rowCount} rows, not ${PARCELS}`);
      return seconds;
    };
    await copyOnce(); // warms the cache
    if (!FORMATS.includes('geojson')) for (let run = 0; run < RUNS; run++) copySeconds.push(await copyOnce());
    const copyLine = (): number => {
      const copyTime = median(copySeconds);
      const copyRate = PARCELS / copyTime;
      console.log(
        `gis export: bare COPY (same query) TO STDOUT: median of ${RUNS} ${copyTime.toFixed(2)} s ` +
          `(${copySeconds.map((x) => x.toFixed(2)).join(', ')}), ${fmt(copyRate)} rows/s, ${(copyBytes / MB).toFixed(0)} MB`,
      );
      return copyRate;
    };
    if (copySeconds.length > 0) copyLine();

    const engine = app.get(GisExportEngine, { strict: false });
    for (const format of FORMATS) {
      const runs: { seconds: number; peakMb: number }[] = [];
      let storedBytes = 0;
      let result!: Awaited<ReturnType<typeof engine.run>>;
      for (let run = 0; run < RUNS; run++) {
        if (format === 'geojson') copySeconds.push(await copyOnce());
        const jobId = randomUUID();
        global.gc?.();
        started = performance.now();
        const measured = await withPeakRss(() =>
          engine.run({ jobId, countyId: COUNTY, exportFormat: format }, async () => {}),
        );
        runs.push({ seconds: (performance.now() - started) / 1000, peakMb: measured.peakMb });
        result = measured.result;
        const stored = await db.query<{ n: string }>(
          'SELECT stored_bytes AS n FROM export_artifacts WHERE job_id = $1',
          [jobId],
        );
        storedBytes = Number(stored.rows[0]?.n ?? 0);
        await db.query('DELETE FROM export_artifacts WHERE job_id = $1', [jobId]);
        if (result.feature_count !== PARCELS) break;
      }
      const seconds = median(runs.map((r) => r.seconds));
      const peakMb = Math.max(...runs.map((r) => r.peakMb));
      const rate = result.feature_count / seconds;
      const checks = [`≥ ${fmt(TARGETS[format])}/s ${rate >= TARGETS[format] ? 'PASS' : 'FAIL'}`];
      let ok = rate >= TARGETS[format] && result.feature_count === PARCELS;
      if (format === 'geojson') {
        const ratio = rate / copyLine();
        checks.push(`${ratio.toFixed(2)}× COPY (≥ ${COPY_RATIO}×) ${ratio >= COPY_RATIO ? 'PASS' : 'FAIL'}`);
        checks.push(`peak RSS ${peakMb.toFixed(0)} MB (≤ ${RSS_LIMIT_MB}) ${peakMb <= RSS_LIMIT_MB ? 'PASS' : 'FAIL'}`);
        ok = ok && ratio >= COPY_RATIO && peakMb <= RSS_LIMIT_MB;
      } else {
        checks.push(`peak RSS ${peakMb.toFixed(0)} MB`);
      }
      console.log(
        `gis export ${format}: ${fmt(result.feature_count)} features in ${seconds.toFixed(2)} s (median of ` +
          `${runs.map((r) => r.seconds.toFixed(2)).join(', ')}) = ${fmt(rate)} features/s, ` +
          `${(result.bytes / MB).toFixed(0)} MB file (${(storedBytes / MB).toFixed(0)} MB stored); ${checks.join('; ')}`,
      );
      failed ||= !ok;
    }
    console.log(`gis export: ${failed ? 'FAIL' : 'PASS'}`);
    if (failed) process.exitCode = 1;
  });
}

runBench(main);
