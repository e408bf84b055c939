// Typed configuration namespace, injected as ConfigType<typeof appConfig>.
import { registerAs } from '@nestjs/config';
import { loadEnv } from './env.js';

export const appConfig = registerAs('app', () => {
  const env = loadEnv();
  return {
    isProduction: env.NODE_ENV === 'production',
    importMaxBytes: env.IMPORT_MAX_BYTES,
    importSaleDateToleranceDays: env.IMPORT_SALE_DATE_TOLERANCE_DAYS,
    healthDbTimeoutMs: env.HEALTH_DB_TIMEOUT_MS,
    demoData: env.DEMO_DATA,
    demoParcels: env.DEMO_PARCELS,
    demoSeed: env.DEMO_SEED,
  };
});
