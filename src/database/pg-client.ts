// The node-postgres pool and connections under TypeORM, for the work TypeORM has no API for (COPY,
// long transactions on one connection, pool stats and listeners), and a connection's return to the pool.
import type pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';

/** The application pg.Pool, with pg-pool's open clients (internal; read to reach connections already open). */
export type AppPool = pg.Pool & { _clients?: pg.PoolClient[] };

/**
 * The node-postgres pool behind a TypeORM DataSource: its postgres driver keeps it as `master` (no
 * replication configured). Undefined before the DataSource is initialised and after it is destroyed.
 */
export function appPool(dataSource: DataSource): AppPool | undefined {
  return (dataSource.driver as unknown as { master?: AppPool }).master;
}

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
