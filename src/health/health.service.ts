// Readiness = database answers + migrations applied + not draining (+ checks other modules register),
// every check bounded in time; plus the public summary and the detailed view.
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { buildInfo } from '../common/build-info.js';
import { appConfig } from '../config/app.config.js';
import { appPool } from '../database/pg-client.js';
import { ShutdownState } from '../lifecycle/shutdown-state.js';
import { DatabaseProbe } from './database-probe.js';
import { HealthRegistry } from './health-registry.js';

export type CheckStatus = 'up' | 'down';

/** What the public routes show: the overall status and each check's up/down, nothing else. */
export interface ReadinessSummary {
  ready: boolean;
  status: 'ok' | 'error';
  checks: Record<string, CheckStatus>;
}

@Injectable()
export class HealthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Health');
  private migrationsApplied = false;
  /** Upper bound for any one check (registered checks included). */
  private readonly checkTimeoutMs: number;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly probe: DatabaseProbe,
    private readonly shutdown: ShutdownState,
    private readonly registry: HealthRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(appConfig.KEY) app: ConfigType<typeof appConfig>,
  ) {
    this.checkTimeoutMs = app.healthDbTimeoutMs;
  }

  async onApplicationBootstrap(): Promise<void> {
    // TypeORM logs pool errors itself; this listener makes sure an idle connection dropped by a
    // restarted or vanished database can never become an unhandled 'error' event.
    appPool(this.dataSource)?.on('error', (error) => {
      this.logger.warn(`Database pool connection error: ${error.message}`);
    });
    // Migrations ran before the app was built; remember it now so readiness never waits on the app pool.
    await this.bounded('migrations', () => this.checkMigrations())();
  }

  /** Runs every readiness check, each bounded by HEALTH_DB_TIMEOUT_MS; never throws. */
  async readiness(): Promise<ReadinessSummary> {
    const checks = [
      this.bounded('shutdown', () => this.checkShutdown()),
      this.bounded('database', () => this.checkDatabase()),
      this.bounded('migrations', () => this.checkMigrations()),
      ...this.registry.entries().map(([name, check]) => this.bounded(name, check)),
    ];
    let result: HealthCheckResult;
    try {
      result = await this.health.check(checks);
    } catch (error) {
      const response = (error as { getResponse?: () => unknown }).getResponse?.();
      if (!isHealthCheckResult(response)) throw error;
      result = response;
    }
    const statuses: Record<string, CheckStatus> = {};
    for (const [name, value] of Object.entries(result.details)) {
      statuses[name] = value.status === 'up' ? 'up' : 'down';
    }
    const ready = result.status === 'ok' && Object.values(statuses).every((s) => s === 'up');
    return { ready, status: ready ? 'ok' : 'error', checks: statuses };
  }

  async details(): Promise<Record<string, unknown>> {
    const [db, readiness] = await Promise.all([this.probe.ping(), this.readiness()]);
    const pool = appPool(this.dataSource);
    const memory = process.memoryUsage();
    const info = buildInfo();
    return {
      status: readiness.status,
      checks: readiness.checks,
      draining: this.shutdown.draining,
      version: info.version,
      commit: info.commit,
      node_version: info.nodeVersion,
      uptime_seconds: Math.round(process.uptime()),
      database: {
        up: db.up,
        latency_ms: db.latencyMs,
        ...(db.error ? { error: db.error } : {}),
        pool: pool
          ? {
              max: pool.options?.max ?? null,
              total: pool.totalCount,
              idle: pool.idleCount,
              waiting: pool.waitingCount,
            }
          : null,
      },
      memory: {
        rss_bytes: memory.rss,
        heap_used_bytes: memory.heapUsed,
        heap_total_bytes: memory.heapTotal,
        external_bytes: memory.external,
      },
    };
  }

  /** A check that throws, hangs or answers late counts as down; it never fails the whole probe. */
  private bounded(name: string, check: () => Promise<HealthIndicatorResult>): () => Promise<HealthIndicatorResult> {
    return async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          check(),
          new Promise<HealthIndicatorResult>((resolve) => {
            timer = setTimeout(() => resolve({ [name]: { status: 'down' } }), this.checkTimeoutMs + 100);
          }),
        ]);
      } catch {
        return { [name]: { status: 'down' } };
      } finally {
        clearTimeout(timer);
      }
    };
  }

  private checkShutdown() {
    const session = this.indicators.check('shutdown');
    return Promise.resolve(this.shutdown.draining ? session.down() : session.up());
  }

  private async checkDatabase() {
    const session = this.indicators.check('database');
    const result = await this.probe.ping();
    return result.up ? session.up() : session.down();
  }

  private async checkMigrations() {
    const session = this.indicators.check('migrations');
    if (!this.migrationsApplied) {
      // Once applied, migrations stay applied for this process (a new release migrates at start).
      this.migrationsApplied = !(await this.dataSource.showMigrations());
    }
    return this.migrationsApplied ? session.up() : session.down();
  }
}

function isHealthCheckResult(value: unknown): value is HealthCheckResult {
  return typeof value === 'object' && value !== null && 'status' in value && 'details' in value;
}
