// Binds the DB families to the TypeORM application pool once the DataSource is up: pool gauges read
// at scrape time, every statement timed at the pg client.
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { appPool } from '../database/pg-client.js';
import { instrumentPool } from './db-instrumentation.js';
import { MetricsService } from './metrics.service.js';

@Injectable()
export class DatabaseMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: MetricsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const pool = appPool(this.dataSource);
    if (!pool) return;
    this.metrics.setPoolStats(() => pool);
    instrumentPool(pool, (operation, seconds) => this.metrics.observeDbQuery(operation, seconds));
  }
}
