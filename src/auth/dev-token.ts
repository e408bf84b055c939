// Development tokens (HS256 with the configured or dev secret): used by `npm run token` and the start banner.
import jwt from 'jsonwebtoken';
import type { AuthSettings } from './auth.config.js';
import { ALL_PERMISSIONS } from './permissions.js';

export interface DevTokenOptions {
  sub?: string;
  roles?: string[];
  permissions?: string[];
  counties: string[];
  ttlSeconds: number;
}

const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** Parses 90, 90s, 15m, 1h, 7d. */
export function parseTtl(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!match) throw new Error(`--ttl "${value}" must look like 90s, 15m, 1h or 7d`);
  const seconds = Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (seconds < 1 || seconds > MAX_TTL_SECONDS) throw new Error(`--ttl must be between 1s and 30d`);
  return seconds;
}

export function signDevToken(settings: AuthSettings, options: DevTokenOptions): string {
  if (settings.keys.kind !== 'secret') {
    throw new Error(
      'AUTH_JWKS_URI is set: the service accepts tokens of that identity provider only; get a token there.',
    );
  }
  const unknownRoles = (options.roles ?? []).filter(
    (r) => !Object.prototype.hasOwnProperty.call(settings.roleTable, r),
  );
  if (unknownRoles.length > 0) {
    throw new Error(
      `unknown role(s) ${unknownRoles.join(', ')}; known roles: ${Object.keys(settings.roleTable).join(', ')}`,
    );
  }
  const known = new Set<string>(ALL_PERMISSIONS);
  const unknownPermissions = (options.permissions ?? []).filter((p) => !known.has(p));
  if (unknownPermissions.length > 0) {
    throw new Error(`unknown permission(s) ${unknownPermissions.join(', ')}; known: ${ALL_PERMISSIONS.join(', ')}`);
  }
  const payload: Record<string, unknown> = {
    sub: options.sub ?? `dev-${options.roles?.[0] ?? 'user'}`,
    counties: options.counties,
  };
  if (options.roles && options.roles.length > 0) payload.roles = options.roles;
  if (options.permissions && options.permissions.length > 0) payload.permissions = options.permissions;
  return jwt.sign(payload, settings.keys.secret, {
    algorithm: 'HS256',
    expiresIn: options.ttlSeconds,
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience && settings.audience.length > 0 ? { audience: settings.audience[0] } : {}),
  });
}
