// The one schema for every environment setting; README "Configuration" mirrors it.
import { z } from 'zod';
import { checkAuthSettings } from '../auth/auth-settings.check.js';

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (def: number, min: number, max: number) =>
  z
    .string()
    .default(String(def))
    .refine((v) => /^\d+$/.test(v.trim()), { message: 'must be a whole number' })
    .transform((v) => Number(v.trim()))
    .refine((n) => n >= min && n <= max, { message: `must be between ${min} and ${max}` });

const optionalInt = (min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
    .refine((v) => v === undefined || /^\d+$/.test(v), { message: 'must be a whole number' })
    .transform((v) => (v === undefined ? undefined : Number(v)))
    .refine((n) => n === undefined || (n >= min && n <= max), {
      message: `must be between ${min} and ${max}`,
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** An optional URL whose scheme is one of `protocols` (with the colon, as URL.protocol has it). */
const urlWith = (protocols: readonly string[], message: string) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message },
  );

const postgresUrl = urlWith(['postgres:', 'postgresql:'], 'must be a postgres:// or postgresql:// URL');
const httpUrl = urlWith(['https:', 'http:'], 'must be an http:// or https:// URL');

/** An optional HMAC secret (JWT HS256, webhook signatures): at least 32 bytes. */
const secret = optionalString.refine((v) => v === undefined || Buffer.byteLength(v, 'utf8') >= 32, {
  message: 'must be at least 32 bytes (e.g. `openssl rand -base64 48`)',
});

/** `module=seconds` pairs, e.g. `valuation=900,gis-export=3600` (modules not named keep their default). */
const JOB_TIME_LIMIT_MODULES = ['valuation', 'reporting', 'market-analysis', 'gis-export'];
const jobTimeLimits = optionalString
  .refine(
    (v) =>
      v === undefined ||
      v.split(',').every((pair) => {
        const m = /^\s*([a-z-]+)\s*=\s*(\d+)\s*$/.exec(pair);
        return !!m && JOB_TIME_LIMIT_MODULES.includes(m[1]) && Number(m[2]) >= 1 && Number(m[2]) <= 86_400;
      }),
    {
      message: `must be module=seconds pairs separated by commas (modules: ${JOB_TIME_LIMIT_MODULES.join(', ')}; 1-86400 s)`,
    },
  )
  .transform((v) => {
    const out: Record<string, number> = {};
    for (const pair of v?.split(',') ?? []) {
      const [module, seconds] = pair.split('=').map((x) => x.trim());
      out[module] = Number(seconds);
    }
    return out;
  });

export const envSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'production', 'test'], {
        message: 'must be development, production or test',
      })
      .default('development'),
    HOST: z.string().default('0.0.0.0'),
    PORT: int(3000, 0, 65535),
    MANAGEMENT_PORT: optionalInt(1, 65535),
    PUBLIC_BASE_URL: optionalString,
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        message: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty', 'auto'], { message: 'must be json, pretty or auto' }).default('auto'),
    DATA_DIR: z.string().default('.data'),
    DATABASE_URL: postgresUrl,
    DATABASE_POOL_MAX: int(10, 1, 200),
    DATABASE_CONNECT_TIMEOUT_MS: int(5000, 100, 120000),
    DATABASE_CONNECT_RETRIES: int(10, 0, 10_000),
    DATABASE_CONNECT_RETRY_DELAY_MS: int(3000, 100, 600_000),
    DATABASE_STATEMENT_TIMEOUT_MS: int(0, 0, 86_400_000),
    EMBEDDED_PG_PORT: int(54329, 1, 65535),
    HEALTH_DB_TIMEOUT_MS: int(500, 50, 5000),
    SHUTDOWN_DELAY_MS: int(5000, 0, 120000),
    SHUTDOWN_GRACE_MS: int(10000, 0, 600000),
    BODY_LIMIT_BYTES: int(1_048_576, 1024, 104_857_600),
    IMPORT_MAX_BYTES: int(2_147_483_648, 1024, 17_179_869_184),
    // Imports: days after today (UTC) a sale_date may lie; later sales are rejected rows.
    IMPORT_SALE_DATE_TOLERANCE_DAYS: int(0, 0, 31),
    DEMO_DATA: bool(true),
    DEMO_PARCELS: int(20000, 10, 2_000_000),
    DEMO_SEED: int(42, 0, 2_147_483_647),
    // Auth settings (issue 3): HS256 secret or JWKS, claims checks, role table, abuse limits.
    AUTH_JWT_SECRET: secret,
    AUTH_JWKS_URI: httpUrl,
    AUTH_ISSUER: optionalString,
    AUTH_AUDIENCE: optionalString,
    AUTH_CLOCK_TOLERANCE_S: int(5, 0, 30),
    AUTH_JWKS_CACHE_TTL_S: int(600, 10, 86_400),
    AUTH_JWKS_REQUESTS_PER_MINUTE: int(10, 1, 600),
    AUTH_JWKS_TIMEOUT_MS: int(5000, 100, 60_000),
    ROLE_PERMISSIONS_FILE: optionalString,
    METRICS_AUTH_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
      message: 'must be at least 16 characters',
    }),
    RATE_LIMIT_ENABLED: bool(true),
    METRICS_HTTP_ENABLED: bool(true),
    RATE_LIMIT_WINDOW_S: int(60, 1, 3600),
    RATE_LIMIT_PER_IP: int(1200, 1, 10_000_000),
    RATE_LIMIT_PER_SUBJECT: int(600, 1, 10_000_000),
    TRUST_PROXY: optionalString,
    CORS_ORIGINS: optionalString,
    HTTP_MAX_HEADER_BYTES: int(16_384, 4096, 131_072),
    // Valuation engine (issue 5): sales lookback window of the regression and cost calibration.
    VALUATION_LOOKBACK_MONTHS: int(36, 1, 240),
    // Job platform (issue 5): pg-boss workers, retries, time limits, worker-loss recovery, callbacks.
    JOBS_WORKERS_ENABLED: bool(true),
    JOBS_CONCURRENCY: int(2, 1, 64),
    JOBS_RETRY_LIMIT: int(2, 0, 20),
    JOBS_RETRY_DELAY_S: int(5, 1, 3600),
    JOBS_TIME_LIMITS: jobTimeLimits,
    JOBS_POLL_INTERVAL_MS: int(1000, 500, 60_000),
    JOBS_HEARTBEAT_MS: int(5000, 100, 300_000),
    JOBS_STALE_AFTER_MS: int(60_000, 500, 3_600_000),
    JOBS_DB_POOL_MAX: int(4, 1, 100),
    JOBS_SHUTDOWN_TIMEOUT_MS: int(10_000, 0, 600_000),
    WEBHOOK_SECRET: secret,
    WEBHOOK_ALLOWED_HOSTS: optionalString,
    WEBHOOK_TIMEOUT_MS: int(5000, 100, 60_000),
    WEBHOOK_MAX_ATTEMPTS: int(5, 1, 20),
    WEBHOOK_RETRY_BASE_MS: int(1000, 10, 600_000),
    WEBHOOK_BREAKER_THRESHOLD: int(5, 1, 1000),
    WEBHOOK_BREAKER_COOLDOWN_MS: int(30_000, 100, 3_600_000),
    // GIS export files (issue 6): how long a finished export can be downloaded.
    GIS_EXPORT_TTL_HOURS: int(24, 1, 8760),
  })
  .superRefine((env, ctx) => {
    checkAuthSettings(env, ctx);
    if (env.JOBS_STALE_AFTER_MS < 2 * env.JOBS_HEARTBEAT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['JOBS_STALE_AFTER_MS'],
        message: 'must be at least twice JOBS_HEARTBEAT_MS (a live worker must never look stale)',
      });
    }
    if (env.MANAGEMENT_PORT !== undefined && env.MANAGEMENT_PORT === env.PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['MANAGEMENT_PORT'],
        message: 'must differ from PORT',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;
