// The `auth` configuration namespace: how tokens are verified, the role table, metrics token and abuse limits.
import { registerAs } from '@nestjs/config';
import { loadEnv } from '../config/env.js';
import type { Env } from '../config/env.schema.js';
import { ensureDevSecret } from './dev-secret.js';
import { loadRoleTable, type RoleTable } from './role-table.js';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export type KeyMode =
  | { kind: 'secret'; secret: string; source: 'env' | 'dev-file'; algorithms: ['HS256'] }
  | { kind: 'jwks'; uri: string; algorithms: ['RS256', 'ES256'] };

export interface AuthSettings {
  keys: KeyMode;
  issuer?: string;
  audience?: string[];
  clockToleranceS: number;
  jwks: { cacheTtlMs: number; requestsPerMinute: number; timeoutMs: number };
  roleTable: RoleTable;
  metricsToken?: string;
  rateLimit: { enabled: boolean; windowS: number; perIp: number; perSubject: number };
}

/** Longest Authorization token considered at all; larger ones are refused before any parsing. */
export const MAX_TOKEN_BYTES = 8192;

export function resolveKeyMode(env: Env): KeyMode {
  if (env.AUTH_JWKS_URI) return { kind: 'jwks', uri: env.AUTH_JWKS_URI, algorithms: ['RS256', 'ES256'] };
  if (env.AUTH_JWT_SECRET) return { kind: 'secret', secret: env.AUTH_JWT_SECRET, source: 'env', algorithms: ['HS256'] };
  if (env.NODE_ENV === 'production') {
    // The env schema already refuses this; kept so no code path can fall back to a dev secret in production.
    throw new Error('AUTH_JWT_SECRET or AUTH_JWKS_URI is required when NODE_ENV=production');
  }
  return { kind: 'secret', secret: ensureDevSecret(env.DATA_DIR), source: 'dev-file', algorithms: ['HS256'] };
}

export function resolveAuthSettings(env: Env): AuthSettings {
  return {
    keys: resolveKeyMode(env),
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE?.split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    clockToleranceS: env.AUTH_CLOCK_TOLERANCE_S,
    jwks: {
      cacheTtlMs: env.AUTH_JWKS_CACHE_TTL_S * 1000,
      requestsPerMinute: env.AUTH_JWKS_REQUESTS_PER_MINUTE,
      timeoutMs: env.AUTH_JWKS_TIMEOUT_MS,
    },
    roleTable: loadRoleTable(env.ROLE_PERMISSIONS_FILE),
    metricsToken: env.METRICS_AUTH_TOKEN,
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      windowS: env.RATE_LIMIT_WINDOW_S,
      perIp: env.RATE_LIMIT_PER_IP,
      perSubject: env.RATE_LIMIT_PER_SUBJECT,
    },
  };
}

export const authConfig = registerAs('auth', (): AuthSettings => resolveAuthSettings(loadEnv()));
