import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { parseEnv } from '../config/env.js';
import { resolveAuthSettings } from './auth.config.js';
import { devSecretPath, ensureDevSecret } from './dev-secret.js';
import { parseTtl, signDevToken } from './dev-token.js';

describe('dev secret and dev tokens', () => {
  it('creates the dev secret once, mode 0600, and reuses it', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tf-data-')), 'nested');
    const first = ensureDevSecret(dir);
    expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
    expect(statSync(devSecretPath(dir)).mode & 0o777).toBe(0o600);
    expect(ensureDevSecret(dir)).toBe(first);
  });

  it('tightens a dev secret file readable by others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-data-'));
    writeFileSync(devSecretPath(dir), 'x'.repeat(40), { mode: 0o644 });
    expect(ensureDevSecret(dir)).toBe('x'.repeat(40));
    expect(statSync(devSecretPath(dir)).mode & 0o777).toBe(0o600);
  });

  it('uses the dev secret without AUTH_JWT_SECRET outside production', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-data-'));
    const settings = resolveAuthSettings(parseEnv({ DATA_DIR: dir }));
    expect(settings.keys).toMatchObject({ kind: 'secret', source: 'dev-file', algorithms: ['HS256'] });
    const token = signDevToken(settings, { roles: ['assessor'], counties: ['demo'], ttlSeconds: 3600 });
    const payload = jwt.verify(token, ensureDevSecret(dir), { algorithms: ['HS256'] }) as Record<string, unknown>;
    expect(payload).toMatchObject({ sub: 'dev-assessor', roles: ['assessor'], counties: ['demo'] });
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
  });

  it('signs iss/aud when the service checks them, and refuses unknown roles and permissions', () => {
    const settings = resolveAuthSettings(
      parseEnv({ AUTH_JWT_SECRET: 'k'.repeat(40), AUTH_ISSUER: 'https://idp', AUTH_AUDIENCE: 'terrafusion' }),
    );
    const token = signDevToken(settings, { permissions: ['data:read'], counties: ['*'], ttlSeconds: 60 });
    expect(jwt.decode(token)).toMatchObject({ iss: 'https://idp', aud: 'terrafusion', permissions: ['data:read'] });
    expect(() => signDevToken(settings, { roles: ['root'], counties: ['a'], ttlSeconds: 60 })).toThrow(
      'unknown role(s) root',
    );
    expect(() => signDevToken(settings, { permissions: ['data:nuke'], counties: ['a'], ttlSeconds: 60 })).toThrow(
      'unknown permission(s) data:nuke',
    );
  });

  it('parses lifetimes', () => {
    expect(parseTtl('90')).toBe(90);
    expect(parseTtl('15m')).toBe(900);
    expect(parseTtl('1h')).toBe(3600);
    expect(parseTtl('7d')).toBe(604800);
    expect(() => parseTtl('1y')).toThrow('--ttl "1y" must look like 90s, 15m, 1h or 7d');
    expect(() => parseTtl('31d')).toThrow('between 1s and 30d');
  });
});
