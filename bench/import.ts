// `npm run bench:import`: import a synthetic parcel CSV through the API twice (the second import must change
// nothing) and compare with a plain COPY of the same file, measured in the same run, into a table built like
// `parcels`: `CREATE TABLE … (LIKE parcels INCLUDING ALL)` (same columns, identity primary key, CHECK
// constraints, unique (county_id, parcel_id) and the other indexes) plus the same foreign key to counties;
// county_id comes from a column default. The copy is `psql \copy … FROM file (FORMAT csv, HEADER true)` when
// psql is on PATH, else the same COPY through pg-copy-streams.
// Uses DATABASE_URL when set, else an embedded PostgreSQL in a temporary directory.
// BENCH_PARCELS overrides the row count (default 100,000); BENCH_RUNS the number of rounds (default 3; the
// figures printed last are medians). BENCH_SPECIAL=1 pads every address with a blank inside its quotes, so no
// record is plain and every row takes the full SQL checks (trimming, control characters, hex).
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { PARCEL_COLUMNS } from '../src/counties/parcel-columns.js';
import { benchToken, median, runBench, withBenchApp, type BenchApp } from './support.js';

const PARCELS = Number(process.env.BENCH_PARCELS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BASELINE_TABLE = 'bench_copy_parcels';
const COUNTY = 'bench-import';
const SPECIAL = process.env.BENCH_SPECIAL === '1';

const CLASSES = ['residential', 'residential', 'residential', 'commercial', 'industrial', 'agricultural', 'vacant'];

/** Deterministic rows: every value is a function of the row number. */
function syntheticCsv(n: number): string {
  const lines = [PARCEL_COLUMNS.join(',')];
  for (let i = 0; i < n; i++) {
    const h = (Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 32; // a fixed pseudo-random fraction per row
    lines.push(
      [
        `B-${String(i).padStart(7, '0')}`,
        `NB-${String(i % 40).padStart(2, '0')}`,
        CLASSES[i % CLASSES.length],
        (4000 + Math.round(h * 16000)).toString(),
        (800 + Math.round(h * 3200)).toString(),
        (1900 + (i % 124)).toString(),
        (1 + (i % 5)).toString(),
        (1 + (i % 4)).toString(),
        (1 + (i % 5)).toString(),
        (1 + (i % 4) * 0.5).toString(),
        `"${SPECIAL ? ' ' : ''}${100 + (i % 9900)} ${['Main', 'Oak', 'Pine', 'Cedar'][i % 4]} St, Unit ${i % 7}"`,
        (-122.5 + (i % 1000) * 0.0005).toFixed(6),
        (47.4 + Math.floor(i / 1000) * 0.0005).toFixed(6),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en-US');

async function main(): Promise<void> {
  await withBenchApp('import', run, {
    prepare: (work) => writeFileSync(join(work, 'parcels.csv'), syntheticCsv(PARCELS)),
  });
}

async function run({ app, db, databaseUrl, work }: BenchApp): Promise<void> {
  const file = join(work, 'parcels.csv');
  const bytes = statSync(file).size;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as { port: number };
  const base = `http://127.0.0.1:${port}/api/v1/counties`;
  // benchDatabase() set a fresh AUTH_JWT_SECRET for the service.
  const token = benchToken({ roles: ['admin'], counties: ['*'] }, process.env.AUTH_JWT_SECRET!);
  const headers = { authorization: `Bearer ${token}` };

  const put = await fetch(`${base}/${COUNTY}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Import benchmark' }),
  });
  if (put.status !== 200 && put.status !== 201) throw new Error(`PUT county: ${put.status} ${await put.text()}`);

  const importOnce = async () => {
    const started = performance.now();
    const res = await fetch(`${base}/${COUNTY}/parcels/import`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body: createReadStream(file) as unknown as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const body = (await res.json()) as Record<string, number>;
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`import: ${res.status} ${JSON.stringify(body)}`);
    return { ms, body };
  };
  // Each measurement starts from the same state: flushed dirty pages, no dead rows left behind.
  const settle = async () => {
    await db.query('VACUUM ANALYZE parcels');
    await db.query('CHECKPOINT').catch(() => undefined); // needs superuser or pg_checkpoint
  };
  const psql = spawnSync('psql', ['--version'], { encoding: 'utf8' }).status === 0;
  const columnList = PARCEL_COLUMNS.join(', ');
  const copyBaseline = async () => {
    await db.query(`DROP TABLE IF EXISTS ${BASELINE_TABLE}`);
    await db.query(`CREATE TABLE ${BASELINE_TABLE} (LIKE parcels INCLUDING ALL)`);
    await db.query(`ALTER TABLE ${BASELINE_TABLE} ALTER COLUMN county_id SET DEFAULT '${COUNTY}',
      ADD FOREIGN KEY (county_id) REFERENCES counties(id) ON DELETE CASCADE`);
    await settle();
    const started = performance.now();
    let rows: number;
    if (psql) {
      const out = spawnSync(
        'psql',
        [
          databaseUrl,
          '-X',
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          `\\copy ${BASELINE_TABLE} (${columnList}) FROM '${file}' WITH (FORMAT csv, HEADER true)`,
        ],
        { encoding: 'utf8' },
      );
      if (out.status !== 0) throw new Error(`psql \\copy: ${out.stderr}`);
      rows = Number(/COPY (\d+)/.exec(out.stdout)?.[1]);
    } else {
      const copy = db.query(
        copyFrom(`COPY ${BASELINE_TABLE} (${columnList}) FROM STDIN WITH (FORMAT csv, HEADER true)`),
      );
      await pipeline(createReadStream(file), copy);
      rows = copy.rowCount;
    }
    const ms = performance.now() - started;
    if (rows !== PARCELS) throw new Error(`baseline copied ${rows} rows`);
    await db.query(`DROP TABLE ${BASELINE_TABLE}`);
    return ms;
  };

  const out = (line: string) => process.stdout.write(`${line}\n`);
  const mb = (bytes / 1024 / 1024).toFixed(1);
  out(
    `parcels: ${PARCELS.toLocaleString('en-US')} rows, ${mb} MiB CSV${SPECIAL ? ' (every record special)' : ''}; ` +
      `${cpus().length} CPUs, Node ${process.version}`,
  );
  out(
    `baseline: ${psql ? 'psql \\copy' : 'COPY FROM STDIN (pg-copy-streams)'} into ${BASELINE_TABLE} ` +
      `(LIKE parcels INCLUDING ALL + FK to counties)`,
  );
  const firsts: number[] = [];
  const seconds: number[] = [];
  const copies: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    await db.query('DELETE FROM parcels WHERE county_id = $1', [COUNTY]);
    await settle();
    const first = await importOnce();
    if (first.body.inserted !== PARCELS || first.body.rejected !== 0) {
      throw new Error(`first import: ${JSON.stringify(first.body)}`);
    }
    await settle();
    const second = await importOnce();
    if (second.body.inserted !== 0 || second.body.updated !== 0 || second.body.unchanged !== PARCELS) {
      throw new Error(`second import changed data: ${JSON.stringify(second.body)}`);
    }
    const copyMs = await copyBaseline();
    firsts.push(first.ms);
    seconds.push(second.ms);
    copies.push(copyMs);
    out(
      `run ${run}: import ${(first.ms / 1000).toFixed(2)} s (${rate(PARCELS, first.ms)} rows/s, server ${first.body.duration_ms} ms)` +
        ` | re-import ${(second.ms / 1000).toFixed(2)} s (${rate(PARCELS, second.ms)} rows/s, inserted ${second.body.inserted},` +
        ` updated ${second.body.updated}) | baseline ${(copyMs / 1000).toFixed(2)} s (${rate(PARCELS, copyMs)} rows/s)` +
        ` | ratio ${(copyMs / first.ms).toFixed(2)}`,
    );
  }
  const [first, second, copy] = [median(firsts), median(seconds), median(copies)];
  const ratio = copy / first;
  out(`median of ${RUNS}:`);
  out(`  API import, first (all inserted):     ${(first / 1000).toFixed(2)} s  ${rate(PARCELS, first)} rows/s`);
  out(`  API import, again (nothing changed):  ${(second / 1000).toFixed(2)} s  ${rate(PARCELS, second)} rows/s`);
  out(`  baseline plain copy, same file:       ${(copy / 1000).toFixed(2)} s  ${rate(PARCELS, copy)} rows/s`);
  out(`  ratio import / baseline (rows/s):     ${ratio.toFixed(2)}x (target >= 0.5x; >= 50,000 rows/s)`);
}

runBench(main);
