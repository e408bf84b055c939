// DataSource for the TypeORM CLI: `npm run migration:generate|run|revert` (needs DATABASE_URL or the embedded server running).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnv } from './src/config/env.js';
import { buildDataSourceOptions } from './src/database/data-source-options.js';

const env = loadEnv();
const url = env.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_PG_PORT}/terrafusion`;

export default new DataSource(
  buildDataSourceOptions({
    url,
    poolMax: 2,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: 0,
    applicationName: 'terrafusion-migrations',
  }),
);
