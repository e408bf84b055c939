import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../config/env.js';
import { parseCorsOrigins, parseTrustProxy } from './auth-settings.check.js';

const SECRET = 'a-development-secret-of-at-least-32-bytes';

describe('auth settings', () => {
  it('has safe defaults', () => {
    const env = parseEnv({});
    expect(env.AUTH_CLOCK_TOLERANCE_S).toBe(5);
    expect(env.RATE_LIMIT_ENABLED).toBe(true);
    expect(env.AUTH_JWT_SECRET).toBeUndefined();
  });

  it('refuses to start in production without a secret or JWKS', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(
      'AUTH_JWT_SECRET is required when NODE_ENV=production (or set AUTH_JWKS_URI)',
    );
    expect(parseEnv({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }).AUTH_JWT_SECRET).toBe(SECRET);
    expect(parseEnv({ NODE_ENV: 'production', AUTH_JWKS_URI: 'https://idp.example.gov/jwks' }).AUTH_JWKS_URI).toBe(
      'https://idp.example.gov/jwks',
    );
  });

  it('names weak or contradictory settings without echoing secrets', () => {
    let message = '';
    try {
      parseEnv({
        AUTH_JWT_SECRET: 'short-secret',
        AUTH_CLOCK_TOLERANCE_S: '120',
        METRICS_AUTH_TOKEN: 'tiny',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('AUTH_JWT_SECRET must be at least 32 bytes');
    expect(message).toContain('AUTH_CLOCK_TOLERANCE_S must be between 0 and 30');
    expect(message).toContain('METRICS_AUTH_TOKEN must be at least 16 characters');
    expect(message).not.toContain('short-secret');
    expect(message).not.toContain('tiny');
    expect(() => parseEnv({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URI: 'https://idp/jwks' })).toThrow(
      'AUTH_JWKS_URI cannot be combined with AUTH_JWT_SECRET',
    );
    expect(() => parseEnv({ NODE_ENV: 'production', AUTH_JWKS_URI: 'http://idp.example.gov/jwks' })).toThrow(
      'AUTH_JWKS_URI must use https:// when NODE_ENV=production',
    );
  });

  it('validates ROLE_PERMISSIONS_FILE at start', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'roles-')), 'roles.json');
    writeFileSync(file, JSON.stringify({ clerk: ['data:reed'] }));
    expect(() => parseEnv({ ROLE_PERMISSIONS_FILE: file })).toThrow(
      `ROLE_PERMISSIONS_FILE (${file}) role "clerk" names unknown permission(s) data:reed`,
    );
  });

  it('parses TRUST_PROXY and CORS_ORIGINS', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('10.0.0.0/8, 127.0.0.1')).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(parseTrustProxy('everyone')).toBeUndefined();
    expect(parseCorsOrigins('https://a.example.gov, http://localhost:5173/')).toEqual([
      'https://a.example.gov',
      'http://localhost:5173',
    ]);
    expect(parseCorsOrigins('*')).toBe(true);
    expect(parseCorsOrigins('https://a.example.gov/path')).toBeUndefined();
    expect(() => parseEnv({ CORS_ORIGINS: 'not a url' })).toThrow('CORS_ORIGINS must be *');
  });
});
