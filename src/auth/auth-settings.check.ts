// Cross-field checks of the auth settings, run by the env schema so a bad value stops the start with one message.
import type { RefinementCtx } from 'zod';
import { loadRoleTable } from './role-table.js';

interface AuthEnv {
  NODE_ENV: string;
  AUTH_JWT_SECRET?: string;
  AUTH_JWKS_URI?: string;
  ROLE_PERMISSIONS_FILE?: string;
  TRUST_PROXY?: string;
  CORS_ORIGINS?: string;
}

export function checkAuthSettings(env: AuthEnv, ctx: RefinementCtx): void {
  const issue = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
  if (env.AUTH_JWT_SECRET !== undefined && env.AUTH_JWKS_URI !== undefined) {
    issue(
      'AUTH_JWKS_URI',
      'cannot be combined with AUTH_JWT_SECRET: set the secret for HS256 tokens or the JWKS URI for RS256/ES256 tokens, not both',
    );
  }
  if (env.NODE_ENV === 'production') {
    if (env.AUTH_JWT_SECRET === undefined && env.AUTH_JWKS_URI === undefined) {
      issue(
        'AUTH_JWT_SECRET',
        'is required when NODE_ENV=production (or set AUTH_JWKS_URI); the service will not start without a way to verify tokens',
      );
    }
    if (env.AUTH_JWKS_URI !== undefined && !isSafeJwksUrl(env.AUTH_JWKS_URI)) {
      issue('AUTH_JWKS_URI', 'must use https:// when NODE_ENV=production (plain http only on loopback)');
    }
  }
  if (env.ROLE_PERMISSIONS_FILE !== undefined) {
    try {
      loadRoleTable(env.ROLE_PERMISSIONS_FILE);
    } catch (error) {
      issue('ROLE_PERMISSIONS_FILE', `(${env.ROLE_PERMISSIONS_FILE}) ${(error as Error).message}`);
    }
  }
  if (env.TRUST_PROXY !== undefined && parseTrustProxy(env.TRUST_PROXY) === undefined) {
    issue('TRUST_PROXY', 'must be true, false, a hop count, or a comma-separated list of proxy addresses/CIDRs');
  }
  if (env.CORS_ORIGINS !== undefined && parseCorsOrigins(env.CORS_ORIGINS) === undefined) {
    issue('CORS_ORIGINS', 'must be * or a comma-separated list of origins such as https://app.example.gov');
  }
}

function isSafeJwksUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

/** Fastify `trustProxy` value, or undefined when malformed. */
export function parseTrustProxy(value: string | undefined): boolean | number | string[] | undefined {
  if (value === undefined) return false;
  const v = value.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const parts = v.split(',').map((p) => p.trim());
  return parts.every((p) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(p)) ? parts : undefined;
}

/** Allowed CORS origins ('*' or exact origins), or undefined when malformed. */
export function parseCorsOrigins(value: string): true | string[] | undefined {
  const v = value.trim();
  if (v === '*') return true;
  const parts = v.split(',').map((p) => p.trim().replace(/\/$/, ''));
  const valid = parts.every((p) => {
    try {
      return new URL(p).origin === p;
    } catch {
      return false;
    }
  });
  return valid && parts.length > 0 ? parts : undefined;
}
