// The readiness database ping, on its own connection: a hung or saturated app pool must not make
// readiness hang too, and a hung database must give a quick "down" on every probe, not a pile-up.
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import pg from 'pg';
import { appConfig } from '../config/app.config.js';
import { DATABASE_URL } from '../database/database.tokens.js';

export interface ProbeResult {
  up: boolean;
  latencyMs: number;
  error?: string;
}

/**
 * One connection is kept while it answers (a healthy ping is a single round trip). On any failure or
 * timeout that connection is destroyed (socket closed, no polite goodbye that a hung server would
 * never answer) and the next ping opens a fresh one. Concurrent pings share one attempt, so probes
 * during an outage never stack up connections.
 */
@Injectable()
export class DatabaseProbe implements OnApplicationShutdown {
  private readonly logger = new Logger('DatabaseProbe');
  private readonly timeoutMs: number;
  private client: pg.Client | undefined;
  private inFlight: Promise<ProbeResult> | undefined;
  private closed = false;
  private lastUp: boolean | undefined;

  constructor(
    @Inject(DATABASE_URL) private readonly url: string,
    @Inject(appConfig.KEY) app: ConfigType<typeof appConfig>,
  ) {
    this.timeoutMs = app.healthDbTimeoutMs;
  }

  /** Answers within HEALTH_DB_TIMEOUT_MS (plus scheduling), whatever the database does. */
  ping(): Promise<ProbeResult> {
    this.inFlight ??= this.attempt().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async attempt(): Promise<ProbeResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      if (this.closed) throw new Error('probe closed');
      await Promise.race([this.query(), timeout]);
      this.note(true);
      return { up: true, latencyMs: elapsed(started) };
    } catch (error) {
      this.discard();
      const message = (error as Error).message || 'database unreachable';
      this.note(false, message);
      return { up: false, latencyMs: elapsed(started), error: message };
    } finally {
      clearTimeout(timer);
    }
  }

  private async query(): Promise<void> {
    if (!this.client) {
      const client = new pg.Client({
        connectionString: this.url,
        connectionTimeoutMillis: this.timeoutMs,
        query_timeout: this.timeoutMs,
        application_name: 'terrafusion-health',
        keepAlive: true,
      });
      // Errors of this connection (server restarted, socket reset) must never crash the process.
      client.on('error', () => {
        if (this.client === client) this.discard();
      });
      this.client = client;
      await client.connect();
    }
    await this.client.query('SELECT 1');
  }

  /** Drops the current connection at once; a hung server would never answer a polite goodbye. */
  private discard(): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    destroySocket(client);
    client.end().catch(() => undefined);
  }

  private note(up: boolean, error?: string): void {
    if (this.lastUp === up) return;
    if (this.lastUp !== undefined || !up) {
      if (up) this.logger.log('Database answers the readiness ping again');
      else this.logger.warn(`Database readiness ping failed: ${error}`);
    }
    this.lastUp = up;
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.discard();
  }
}

function destroySocket(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
  stream?.destroy?.();
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
