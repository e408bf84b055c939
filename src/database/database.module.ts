import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { loadEnv } from '../config/env.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { runMigrationsLocked } from './migrate.js';
import { DATABASE_URL } from './database.tokens.js';

@Global()
@Module({})
export class DatabaseModule {
  /** Connects to `url`, then applies pending migrations under the advisory lock before the app serves. */
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => {
            const env = loadEnv();
            return {
              ...buildDataSourceOptions({
                url,
                poolMax: env.DATABASE_POOL_MAX,
                connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
                statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
              }),
              // resolveDatabase() has waited for the database (saying so); a failure now is not waited out silently.
              retryAttempts: 0,
            };
          },
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            await runMigrationsLocked(dataSource);
            return dataSource;
          },
        }),
      ],
      providers: [{ provide: DATABASE_URL, useValue: url }],
      exports: [DATABASE_URL],
    };
  }
}
