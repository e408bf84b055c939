// Runs pending migrations under a PostgreSQL advisory lock so that replicas starting together take turns.
import type { DataSource } from 'typeorm';

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
