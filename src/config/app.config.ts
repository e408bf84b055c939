// Typed configuration namespaces, each injected as ConfigType<typeof xConfig>.
import { registerAs } from '@nestjs/config';
import { loadEnv } from './env.js';

export const appConfig = registerAs('app', () => {
  const env = loadEnv();
  return {
    nodeEnv: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    host: env.HOST,
    port: env.PORT,
    managementPort: env.MANAGEMENT_PORT,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    dataDir: env.DATA_DIR,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    importMaxBytes: env.IMPORT_MAX_BYTES,
    shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    healthDbTimeoutMs: env.HEALTH_DB_TIMEOUT_MS,
    demoData: env.DEMO_DATA,
    demoParcels: env.DEMO_PARCELS,
    demoSeed: env.DEMO_SEED,
  };
});

export const databaseConfig = registerAs('database', () => {
  const env = loadEnv();
  return {
    url: env.DATABASE_URL,
    poolMax: env.DATABASE_POOL_MAX,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    embeddedPort: env.EMBEDDED_PG_PORT,
  };
});
