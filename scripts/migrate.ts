// Applies pending migrations and exits: the Kubernetes migration Job runs `node dist/scripts/migrate.js`.
// Uses the same advisory lock as the app's start, so it is safe while replicas start or roll.
import 'reflect-metadata';
import { loadEnvOrReport } from '../src/config/env.js';
import { openMigratedDataSource } from '../src/database/migrate.js';

async function main(): Promise<number> {
  const env = loadEnvOrReport();
  if (!env) return 1;
  if (!env.DATABASE_URL) {
    process.stderr.write('DATABASE_URL must be set: the migration job needs an external PostgreSQL.\n');
    return 1;
  }
  const { dataSource, applied } = await openMigratedDataSource({
    url: env.DATABASE_URL,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    applicationName: 'terrafusion-migrations',
  });
  try {
    process.stdout.write(
      applied.length === 0
        ? 'Migrations: database is up to date.\n'
        : `Migrations applied (${applied.length}): ${applied.join(', ')}\n`,
    );
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
