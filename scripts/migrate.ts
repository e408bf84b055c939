// Applies pending migrations and exits: the Kubernetes migration Job runs `node dist/scripts/migrate.js`.
// Uses the same advisory lock as the app's start, so it is safe while replicas start or roll.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadEnv } from '../src/config/env.js';
import { buildDataSourceOptions } from '../src/database/data-source-options.js';
import { runMigrationsLocked } from '../src/database/migrate.js';

async function main(): Promise<number> {
  let env;
  try {
    env = loadEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (!env.DATABASE_URL) {
    process.stderr.write('DATABASE_URL must be set: the migration job needs an external PostgreSQL.\n');
    return 1;
  }
  const dataSource = new DataSource(
    buildDataSourceOptions({
      url: env.DATABASE_URL,
      poolMax: 2,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: 0,
      applicationName: 'terrafusion-migrations',
    }),
  );
  await dataSource.initialize();
  try {
    const applied = await runMigrationsLocked(dataSource);
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
