// The one schema for every environment setting; README "Configuration" mirrors it.
import { z } from 'zod';

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

const postgresUrl = optionalString.refine(
  (v) => {
    if (v === undefined) return true;
    try {
      const u = new URL(v);
      return u.protocol === 'postgres:' || u.protocol === 'postgresql:';
    } catch {
      return false;
    }
  },
  { message: 'must be a postgres:// or postgresql:// URL' },
);

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
    DATABASE_STATEMENT_TIMEOUT_MS: int(0, 0, 86_400_000),
    EMBEDDED_PG_PORT: int(54329, 1, 65535),
    HEALTH_DB_TIMEOUT_MS: int(500, 50, 5000),
    SHUTDOWN_DELAY_MS: int(5000, 0, 120000),
    SHUTDOWN_GRACE_MS: int(10000, 0, 600000),
    BODY_LIMIT_BYTES: int(1_048_576, 1024, 104_857_600),
    IMPORT_MAX_BYTES: int(2_147_483_648, 1024, 17_179_869_184),
    DEMO_DATA: bool(true),
    DEMO_PARCELS: int(20000, 10, 2_000_000),
    DEMO_SEED: int(42, 0, 2_147_483_647),
  })
  .superRefine((env, ctx) => {
    if (env.MANAGEMENT_PORT !== undefined && env.MANAGEMENT_PORT === env.PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['MANAGEMENT_PORT'],
        message: 'must differ from PORT',
      });
    }
  });

export type Env = z.infer<typeof envSchema>;
