// Decides where the database is: DATABASE_URL, or an embedded server under DATA_DIR/postgres.
import { resolve } from 'node:path';
import type { Env } from '../config/env.schema.js';
import { createStartupLogger } from '../logging/startup-logger.js';
import {
  ensureDatabase,
  startEmbeddedPostgres,
  type EmbeddedPostgresOptions,
  type RunningPostgres,
} from './embedded-postgres.js';
import { waitForDatabase, type WaitForDatabaseOptions } from './wait-for-database.js';

export const EMBEDDED_DATABASE_NAME = 'terrafusion';

export interface ResolvedDatabase {
  url: string;
  embedded?: RunningPostgres;
}

/** Where the database will be, decided from the settings alone (nothing is started or connected). */
export type DatabasePlan =
  | { kind: 'external'; url: string; wait: WaitForDatabaseOptions }
  | { kind: 'embedded'; server: EmbeddedPostgresOptions; database: string };

type DatabaseSettings = Pick<
  Env,
  | 'DATABASE_URL'
  | 'DATABASE_CONNECT_RETRIES'
  | 'DATABASE_CONNECT_RETRY_DELAY_MS'
  | 'DATABASE_CONNECT_TIMEOUT_MS'
  | 'DATA_DIR'
  | 'EMBEDDED_PG_PORT'
>;

/** DATABASE_URL when set (waited for with the connect settings), else the embedded server's database. */
export function databasePlan(env: DatabaseSettings): DatabasePlan {
  if (env.DATABASE_URL) {
    return {
      kind: 'external',
      url: env.DATABASE_URL,
      wait: {
        retries: env.DATABASE_CONNECT_RETRIES,
        delayMs: env.DATABASE_CONNECT_RETRY_DELAY_MS,
        connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      },
    };
  }
  return {
    kind: 'embedded',
    server: { dataDir: resolve(env.DATA_DIR, 'postgres'), port: env.EMBEDDED_PG_PORT },
    database: EMBEDDED_DATABASE_NAME,
  };
}

/** DATABASE_URL once it accepts connections, or an embedded server started for the service. */
export async function resolveDatabase(env: Env): Promise<ResolvedDatabase> {
  const plan = databasePlan(env);
  if (plan.kind === 'external') {
    await waitForDatabase(plan.url, plan.wait, createStartupLogger(env, 'Database'));
    return { url: plan.url };
  }
  const embedded = await startEmbeddedPostgres(plan.server);
  try {
    await ensureDatabase(embedded.url(), plan.database);
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  return { url: embedded.url(plan.database), embedded };
}
