// The node-postgres connection under a TypeORM query runner, for the work TypeORM has no API for (COPY,
// long transactions on one connection), and its return to the pool.
import type pg from 'pg';
import type { QueryRunner } from 'typeorm';

/** The node-postgres client under a TypeORM query runner (COPY needs the driver itself). */
export function driverClient(runner: QueryRunner): pg.PoolClient {
  return (runner as unknown as { databaseConnection: pg.PoolClient }).databaseConnection;
}

/**
 * Returns the connection to the pool, or destroys it when `failure` is set (null or undefined: no
 * failure): after an error it may be mid-protocol, e.g. a COPY still streaming.
 */
export async function releaseRunner(runner: QueryRunner, failure: unknown): Promise<void> {
  if (failure === null || failure === undefined) {
    await runner.release();
    return;
  }
  const error = failure instanceof Error ? failure : new Error(String(failure));
  await (runner as unknown as { releasePostgresConnection(err?: Error): Promise<void> }).releasePostgresConnection(
    error,
  );
}
