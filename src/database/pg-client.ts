// The node-postgres pool and connections under TypeORM, for the work TypeORM has no API for (COPY,
// long transactions on one connection, pool stats and listeners), a connection's return to the pool, and
// the transaction that undoes itself (COPY included) and drops a connection it could not roll back.
import type { Writable } from 'node:stream';
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

/** A pooled connection taken through a TypeORM query runner (COPY needs the raw client), and its return. */
export interface PgConnection {
  client: pg.PoolClient;
  /** Back to the pool; destroyed instead when `failure` is set (see releaseRunner). */
  release: (failure?: unknown) => Promise<void>;
}

/** A connection of the app's DataSource, held until `release`. */
export async function takeConnection(dataSource: DataSource): Promise<PgConnection> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  return { client: driverClient(runner), release: (failure?: unknown) => releaseRunner(runner, failure) };
}

/** Tells `inTransaction` about a COPY … FROM STDIN the work opened, so that a failure fails it first. */
export type TrackCopy = (copyIn: Writable) => void;

/**
 * BEGIN, `work`, COMMIT on the connection, which goes back to the pool afterwards either way. On failure,
 * a COPY still waiting for data is failed first (it would hold the connection and ROLLBACK could not run),
 * then ROLLBACK; when even ROLLBACK fails the connection is unusable, and the pool drops it.
 */
export async function inTransaction<T>(
  connection: PgConnection,
  work: (trackCopy: TrackCopy) => Promise<T>,
): Promise<T> {
  const { client } = connection;
  let copyIn: Writable | undefined;
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await work((stream) => {
      copyIn = stream;
    });
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (copyIn && !copyIn.destroyed && !copyIn.writableFinished) copyIn.destroy(error as Error);
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError;
    }
    throw error;
  } finally {
    await connection.release(broken);
  }
}
