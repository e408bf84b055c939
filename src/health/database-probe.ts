// A small dedicated pool for probes: a hung or saturated app pool must not make readiness hang too.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import pg from 'pg';
import { appConfig } from '../config/app.config.js';
import { DATABASE_URL } from '../database/database.tokens.js';

export interface ProbeResult {
  up: boolean;
  latencyMs: number;
  error?: string;
}

@Injectable()
export class DatabaseProbe implements OnApplicationShutdown {
  private readonly pool: pg.Pool;
  private readonly timeoutMs: number;

  constructor(@Inject(DATABASE_URL) url: string, @Inject(appConfig.KEY) app: ConfigType<typeof appConfig>) {
    this.timeoutMs = app.healthDbTimeoutMs;
    this.pool = new pg.Pool({
      connectionString: url,
      max: 2,
      connectionTimeoutMillis: this.timeoutMs,
      query_timeout: this.timeoutMs,
      idleTimeoutMillis: 10_000,
      application_name: 'terrafusion-health',
      keepAlive: true,
    });
    // Errors of idle clients (database restarted) must not crash the process; the next probe reconnects.
    this.pool.on('error', () => undefined);
  }

  async ping(): Promise<ProbeResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.pool.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      return { up: true, latencyMs: round(performance.now() - started) };
    } catch (error) {
      return { up: false, latencyMs: round(performance.now() - started), error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
