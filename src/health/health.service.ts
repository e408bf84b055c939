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
import { SystemStats } from './system-stats.js';

export type CheckStatus = 'up' | 'down';

/** What the public routes show: the overall status and each check's up/down, nothing else. */
export interface ReadinessSummary {
  ready: boolean;
  status: 'ok' | 'error';
  checks: Record<string, CheckStatus>;
}

/** GET /health: the readiness summary with the time of the answer and the running version. */
export interface HealthSummary {
  status: 'ok' | 'error';
  timestamp: string;
  version: string;
  checks: Record<string, CheckStatus>;
}

/** GET /health/db: the database ping, nothing else. */
export interface DatabaseStatus {
  status: CheckStatus;
  latency_ms: number;
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
    private readonly system: SystemStats,
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

  /** GET /health: readiness, with the answer's time (ISO 8601) and the running version. */
  async summary(): Promise<{ ready: boolean; body: HealthSummary }> {
    const { ready, status, checks } = await this.readiness();
    return { ready, body: { status, timestamp: new Date().toISOString(), version: buildInfo().version, checks } };
  }

  /**
   * The database ping as a Terminus indicator (up with its latency, or down), bounded by
   * HEALTH_DB_TIMEOUT_MS through the probe and again here.
   */
  async database(): Promise<DatabaseStatus> {
    const started = performance.now();
    let latencyMs = 0;
    const result = await this.bounded('database', async () => {
      const session = this.indicators.check('database');
      const ping = await this.probe.ping();
      latencyMs = ping.latencyMs;
      return ping.up ? session.up({ latency_ms: ping.latencyMs }) : session.down();
    })();
    const up = result.database?.status === 'up';
    if (!up && latencyMs === 0) latencyMs = Math.round((performance.now() - started) * 100) / 100;
    return { status: up ? 'up' : 'down', latency_ms: latencyMs };
  }

  async details(): Promise<Record<string, unknown>> {
    const sections = this.registry.detailSections();
    const [db, readiness, ...contributed] = await Promise.all([
      this.probe.ping(),
      this.readiness(),
      ...sections.map(([, section]) => this.boundedSection(section)),
    ]);
    const byName = Object.fromEntries(sections.map(([name], i) => [name, contributed[i]]));
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
      system: this.system.report(),
      queues: byName.queues ?? {},
      external_services: byName.external_services ?? [],
      ...Object.fromEntries(
        Object.entries(byName).filter(([name]) => name !== 'queues' && name !== 'external_services'),
      ),
    };
  }

  /** A detail section that throws or hangs shows as `{status: 'down', error}`; the rest still answers. */
  private async boundedSection(section: () => unknown): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(section),
        new Promise((resolve) => {
          timer = setTimeout(
            () => resolve({ status: 'down', error: `no answer within ${this.checkTimeoutMs} ms` }),
            this.checkTimeoutMs + 100,
          );
        }),
      ]);
    } catch (error) {
      return { status: 'down', error: (error as Error)?.message || 'failed' };
    } finally {
      clearTimeout(timer);
    }
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
