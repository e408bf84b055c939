// Binds the DB families to the TypeORM application pool once the DataSource is up: pool gauges read
// at scrape time, every statement timed at the pg client.
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { instrumentPool, type PgPoolLike } from './db-instrumentation.js';
import { MetricsService } from './metrics.service.js';

@Injectable()
export class DatabaseMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: MetricsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    // TypeORM's postgres driver keeps its pg.Pool as `master` (no replication configured).
    const pool = (this.dataSource.driver as unknown as { master?: PgPoolLike }).master;
    if (!pool) return;
    this.metrics.setPoolStats(() => pool);
    instrumentPool(pool, (operation, seconds) => this.metrics.observeDbQuery(operation, seconds));
  }
}
