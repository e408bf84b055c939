// Really signed test tokens (HS256 with the suite's AUTH_JWT_SECRET), so tests exercise the real guard.
import jwt from 'jsonwebtoken';

/** The secret createTestApp() gives the app unless a test overrides AUTH_JWT_SECRET. */
export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef-0123456789abcdef';

export interface TokenOptions {
  sub?: string;
  role?: string;
  roles?: string[];
  permissions?: string[];
  scope?: string;
  counties?: string[];
  expiresInSeconds?: number;
  secret?: string;
  extra?: Record<string, unknown>;
}

export function tokenFor(options: TokenOptions = {}): string {
  const payload: Record<string, unknown> = {
    sub: options.sub ?? `user-${options.role ?? 'custom'}`,
    ...(options.role || options.roles ? { roles: options.roles ?? [options.role] } : {}),
    ...(options.permissions ? { permissions: options.permissions } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    counties: options.counties ?? ['*'],
    ...options.extra,
  };
  return jwt.sign(payload, options.secret ?? TEST_JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: options.expiresInSeconds ?? 3600,
  });
}

/** `{ authorization: 'Bearer …' }` for t.request(). */
export function authHeader(options: TokenOptions = {}): Record<string, string> {
  return { authorization: `Bearer ${tokenFor(options)}` };
}
