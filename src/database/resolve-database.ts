// Decides where the database is: DATABASE_URL, or an embedded server under DATA_DIR/postgres.
import { resolve } from 'node:path';
import type { Env } from '../config/env.schema.js';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres.js';

export const EMBEDDED_DATABASE_NAME = 'terrafusion';

export interface ResolvedDatabase {
  url: string;
  embedded?: RunningPostgres;
}

export async function resolveDatabase(env: Env): Promise<ResolvedDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL };
  const embedded = await startEmbeddedPostgres({
    dataDir: resolve(env.DATA_DIR, 'postgres'),
    port: env.EMBEDDED_PG_PORT,
  });
  try {
    await ensureDatabase(embedded.url(), EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  return { url: embedded.url(EMBEDDED_DATABASE_NAME), embedded };
}
