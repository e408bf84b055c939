// Liveness, readiness and the detailed view; readiness = database answers + migrations applied + not draining (+ registered checks).
import { Injectable } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { buildInfo } from '../common/build-info.js';
import { ShutdownState } from '../lifecycle/shutdown-state.js';
import { DatabaseProbe } from './database-probe.js';
import { HealthRegistry } from './health-registry.js';

@Injectable()
export class HealthService {
  private migrationsApplied = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly probe: DatabaseProbe,
    private readonly shutdown: ShutdownState,
    private readonly registry: HealthRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Throws Terminus' ServiceUnavailableException (503) when a check is down. */
  readiness(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.checkShutdown(),
      () => this.checkDatabase(),
      () => this.checkMigrations(),
      ...this.registry.all(),
    ]);
  }

  async details(): Promise<Record<string, unknown>> {
    const db = await this.probe.ping();
    const driver = this.dataSource.driver as unknown as {
      master?: { totalCount: number; idleCount: number; waitingCount: number; options?: { max?: number } };
    };
    const pool = driver.master;
    const memory = process.memoryUsage();
    const info = buildInfo();
    return {
      status: db.up && !this.shutdown.draining ? 'ok' : 'error',
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

  private checkShutdown() {
    const session = this.indicators.check('shutdown');
    return Promise.resolve(this.shutdown.draining ? session.down({ message: 'draining' }) : session.up());
  }

  private async checkDatabase() {
    const session = this.indicators.check('database');
    const result = await this.probe.ping();
    return result.up ? session.up() : session.down();
  }

  private async checkMigrations() {
    const session = this.indicators.check('migrations');
    if (!this.migrationsApplied) {
      try {
        this.migrationsApplied = !(await this.dataSource.showMigrations());
      } catch {
        return session.down();
      }
    }
    return this.migrationsApplied ? session.up() : session.down();
  }
}
