import { DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { ProblemFilter } from './common/problem.filter.js';
import { ConfigModule } from './config/config.module.js';
import { CountiesModule } from './counties/counties.module.js';
import { DatabaseModule } from './database/database.module.js';
import { GisExportModule } from './gis-export/gis-export.module.js';
import { HealthModule } from './health/health.module.js';
import { InfoModule } from './info/info.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MarketAnalysisModule } from './market-analysis/market-analysis.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { ReportingModule } from './reporting/reporting.module.js';
import { ValuationModule } from './valuation/valuation.module.js';

export interface AppModuleOptions {
  /** Resolved connection string: DATABASE_URL, or the embedded server's. */
  databaseUrl: string;
  /** Extra modules (tests mount probe controllers through this). */
  imports?: Array<Type<unknown> | DynamicModule>;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule,
        LoggingModule,
        ObservabilityModule.forRoot(),
        AuthModule,
        LifecycleModule,
        DatabaseModule.forRoot(options.databaseUrl),
        HealthModule,
        InfoModule,
        CountiesModule,
        JobsModule,
        ValuationModule,
        ReportingModule,
        MarketAnalysisModule,
        GisExportModule,
        ...(options.imports ?? []),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
