// Runs pending migrations under a PostgreSQL advisory lock so that replicas starting together take turns.
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options.js';

/** Arbitrary but fixed 64-bit key: "TFMIGRAT". */
export const MIGRATION_LOCK_KEY = '5064090178657243476';

export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // A session lock on a dedicated connection: held while TypeORM migrates on other connections.
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * For a command-line tool: a small pool on `url` without statement timeout, migrated under the lock.
 * Answers the open data source (the caller destroys it) and the migrations applied; closes it on failure.
 */
export async function openMigratedDataSource(settings: {
  url: string;
  connectTimeoutMs: number;
  applicationName: string;
}): Promise<{ dataSource: DataSource; applied: string[] }> {
  const dataSource = new DataSource(
    buildDataSourceOptions({
      url: settings.url,
      poolMax: 2,
      connectTimeoutMs: settings.connectTimeoutMs,
      statementTimeoutMs: 0,
      applicationName: settings.applicationName,
    }),
  );
  await dataSource.initialize();
  try {
    return { dataSource, applied: await runMigrationsLocked(dataSource) };
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}
