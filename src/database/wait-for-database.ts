// Start-up against an external DATABASE_URL: wait until the database accepts connections, saying so at
// once for every failed attempt (the application's own logs are buffered until it has started), and give
// up after the configured attempts. Wrong credentials or a missing database are not waited for.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export interface WaitForDatabaseOptions {
  /** Attempts after the first one. */
  retries: number;
  delayMs: number;
  connectTimeoutMs: number;
}

export interface StartupLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** SQLSTATEs that no amount of waiting changes: bad password, no such role or database, no permission. */
const PERMANENT_CODES = new Set(['28P01', '28000', '3D000', '42501']);

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/** What went wrong, in one line, without the connection string (it may hold a password). */
export function connectFailure(error: unknown): { reason: string; permanent: boolean } {
  const e = error as { code?: string; message?: string } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = (e?.message ?? String(error)).split('\n')[0];
  return {
    reason: code && !message.includes(code) ? `${message} (${code})` : message,
    permanent: PERMANENT_CODES.has(code ?? ''),
  };
}

export async function waitForDatabase(url: string, options: WaitForDatabaseOptions, log: StartupLog): Promise<void> {
  const attempts = options.retries + 1;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs });
    try {
      await client.connect();
      await client.query('SELECT 1');
      if (attempt > 1) log.info({ attempt }, `Database reachable (attempt ${attempt} of ${attempts})`);
      return;
    } catch (error) {
      const { reason, permanent } = connectFailure(error);
      if (permanent) throw new DatabaseUnavailableError(`The database refused the connection: ${reason}`);
      if (attempt >= attempts) {
        throw new DatabaseUnavailableError(`The database is not reachable after ${attempts} attempt(s): ${reason}`);
      }
      log.warn(
        { attempt, attempts, reason, retry_in_ms: options.delayMs },
        `Database not reachable (attempt ${attempt} of ${attempts}): ${reason}; retrying in ${options.delayMs} ms`,
      );
      await sleep(options.delayMs);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
