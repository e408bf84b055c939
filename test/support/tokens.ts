// Really signed test tokens (HS256 with the suite's AUTH_JWT_SECRET unless told otherwise), so tests
// exercise the real guard; plus hand-crafted tokens for the attack suite.
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
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
  /** Lifetime from now; negative for an already expired token. */
  expiresInSeconds?: number;
  /** Leave out `exp` altogether. */
  noExpiry?: boolean;
  /** `nbf` relative to now, in seconds. */
  notBeforeSeconds?: number;
  issuer?: string;
  audience?: string | string[];
  secret?: string;
  /** Sign with this private key instead of the secret (RS256 / ES256). */
  privateKey?: KeyObject;
  algorithm?: 'HS256' | 'RS256' | 'ES256';
  kid?: string;
  extra?: Record<string, unknown>;
}

export function tokenFor(options: TokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    sub: options.sub ?? `user-${options.role ?? 'custom'}`,
    ...(options.role || options.roles ? { roles: options.roles ?? [options.role] } : {}),
    ...(options.permissions ? { permissions: options.permissions } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
    counties: options.counties ?? ['*'],
    iat: now,
    ...(options.noExpiry ? {} : { exp: now + (options.expiresInSeconds ?? 3600) }),
    ...(options.notBeforeSeconds !== undefined ? { nbf: now + options.notBeforeSeconds } : {}),
    ...(options.issuer ? { iss: options.issuer } : {}),
    ...(options.audience ? { aud: options.audience } : {}),
    ...options.extra,
  };
  const algorithm = options.algorithm ?? (options.privateKey ? 'RS256' : 'HS256');
  return jwt.sign(payload, options.privateKey ?? options.secret ?? TEST_JWT_SECRET, {
    algorithm,
    ...(options.kid ? { keyid: options.kid } : {}),
  });
}

/** `{ authorization: 'Bearer …' }` for t.request(). */
export function authHeader(options: TokenOptions = {}): Record<string, string> {
  return { authorization: `Bearer ${tokenFor(options)}` };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header and payload, HMAC-SHA256-signed with `hmacKey` or unsigned (`alg: none` attacks). */
export function craftToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  hmacKey?: string | Buffer,
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = hmacKey === undefined ? '' : createHmac('sha256', hmacKey).update(input).digest('base64url');
  return `${input}.${signature}`;
}

/** Replaces the payload of a signed token, keeping its header and signature. */
export function tamperPayload(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(decoded);
  return `${header}.${b64(decoded)}.${signature}`;
}

export interface TestSigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK as a JWKS would list it. */
  jwk: Record<string, unknown>;
}

export function generateSigningKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): TestSigningKey {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}
