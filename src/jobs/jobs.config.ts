// Typed settings of the job platform and its completion callbacks (validated in env.schema.ts).
import { registerAs } from '@nestjs/config';
import { loadEnv } from '../config/env.js';
import type { JobModuleName } from './job.entity.js';

/** Time limits when JOBS_TIME_LIMITS does not name the module (seconds). */
export const DEFAULT_TIME_LIMITS_S: Record<JobModuleName, number> = {
  valuation: 900,
  reporting: 600,
  'market-analysis': 600,
  'gis-export': 1800,
};

export const jobsConfig = registerAs('jobs', () => {
  const env = loadEnv();
  const limits = env.JOBS_TIME_LIMITS as Partial<Record<JobModuleName, number>>;
  return {
    workersEnabled: env.JOBS_WORKERS_ENABLED,
    concurrency: env.JOBS_CONCURRENCY,
    retryLimit: env.JOBS_RETRY_LIMIT,
    retryDelaySeconds: env.JOBS_RETRY_DELAY_S,
    timeLimitSeconds: (module: JobModuleName): number => limits[module] ?? DEFAULT_TIME_LIMITS_S[module],
    pollIntervalMs: env.JOBS_POLL_INTERVAL_MS,
    heartbeatMs: env.JOBS_HEARTBEAT_MS,
    staleAfterMs: env.JOBS_STALE_AFTER_MS,
    dbPoolMax: env.JOBS_DB_POOL_MAX,
    shutdownTimeoutMs: env.JOBS_SHUTDOWN_TIMEOUT_MS,
    publicBaseUrl: env.PUBLIC_BASE_URL,
  };
});
export type JobsSettings = ReturnType<typeof jobsConfig>;

export const webhookConfig = registerAs('webhooks', () => {
  const env = loadEnv();
  return {
    secret: env.WEBHOOK_SECRET,
    allowedHosts: (env.WEBHOOK_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
    breakerThreshold: env.WEBHOOK_BREAKER_THRESHOLD,
    breakerCooldownMs: env.WEBHOOK_BREAKER_COOLDOWN_MS,
  };
});
export type WebhookSettings = ReturnType<typeof webhookConfig>;
