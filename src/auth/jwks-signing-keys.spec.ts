import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import {
  JwksSigningKeys,
  JwksUnavailableError,
  UnknownSigningKeyError,
  type JwksOptions,
} from './jwks-signing-keys.js';

interface Signer {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function signer(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Signer {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}

function sign(key: Signer, header: { kid?: string; alg?: string } = {}): Promise<string> {
  return new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

describe('JwksSigningKeys', () => {
  let server: Server;
  let uri: string;
  let published: Record<string, unknown>[] = [];
  let mode: 'up' | 'down' | 'silent' | 'stalled-body' = 'up';
  let hits = 0;
  const options = (overrides: Partial<JwksOptions> = {}): JwksOptions => ({
    uri,
    cacheTtlMs: 600_000,
    requestsPerMinute: 10,
    timeoutMs: 2000,
    ...overrides,
  });

  /** The key the store hands out for the token's kid really verifies the token. */
  async function verifies(store: JwksSigningKeys, token: string): Promise<boolean> {
    const key = await store.getKey(decodeProtectedHeader(token).kid);
    const { payload } = await jwtVerify(token, key, { algorithms: ['RS256', 'ES256'] });
    return payload.sub === 'alice';
  }

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      if (mode === 'silent') return;
      if (mode === 'stalled-body') {
        res.writeHead(200, { 'content-type': 'application/json' }).write('{"keys":');
        return;
      }
      if (mode === 'down') {
        res.writeHead(503).end('down');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    mode = 'up';
    hits = 0;
  });

  it('caches keys, refetches once for an unknown kid, and refuses a kid after a refetch that lacks it', async () => {
    const k1 = signer('k1');
    const k2 = signer('k2', 'ES256');
    published = [k1.jwk];
    const store = new JwksSigningKeys(options());
    expect(await verifies(store, await sign(k1))).toBe(true);
    expect(await verifies(store, await sign(k1))).toBe(true);
    expect(hits).toBe(1);

    // Rotation: a token signed with a new key makes the store refetch once.
    published = [k1.jwk, k2.jwk];
    expect(await verifies(store, await sign(k2))).toBe(true);
    expect(hits).toBe(2);

    await expect(store.getKey('nope')).rejects.toThrow(new UnknownSigningKeyError());
    expect(hits).toBe(3);

    // The issuer retires k1; once a refetch has seen the new set, k1 is refused though still cached.
    published = [k2.jwk];
    await expect(store.getKey('k3')).rejects.toBeInstanceOf(UnknownSigningKeyError);
    expect(hits).toBe(4);
    await expect(store.getKey('k1')).rejects.toBeInstanceOf(UnknownSigningKeyError);
    expect(await verifies(store, await sign(k2))).toBe(true);
    expect(hits).toBe(4);
  });

  it('rate limits refetches triggered by unknown kids', async () => {
    const only = signer('only');
    published = [only.jwk];
    const store = new JwksSigningKeys(options({ requestsPerMinute: 3 }));
    expect(await verifies(store, await sign(only))).toBe(true);
    for (let i = 0; i < 10; i++) {
      await expect(store.getKey(`forged-${i}`)).rejects.toBeInstanceOf(UnknownSigningKeyError);
    }
    expect(hits).toBe(3);
    // Cached keys are not affected by the exhausted budget.
    expect(await verifies(store, await sign(only))).toBe(true);
    expect(hits).toBe(3);
  });

  it('refetches after the cache time and keeps the last good key while the endpoint is down', async () => {
    const k1 = signer('k1');
    published = [k1.jwk];
    const store = new JwksSigningKeys(options({ cacheTtlMs: 200 }));
    expect(await verifies(store, await sign(k1))).toBe(true);
    await sleep(300);
    expect(await verifies(store, await sign(k1))).toBe(true);
    expect(hits).toBe(2);

    mode = 'down';
    await sleep(300);
    expect(await verifies(store, await sign(k1))).toBe(true);
    expect(hits).toBe(3);
    // A kid never seen is unknown while the endpoint is down, since keys were obtained before.
    await expect(store.getKey('k2')).rejects.toBeInstanceOf(UnknownSigningKeyError);
  });

  it('reports unavailability while keys were never fetched, and recovers without a new instance', async () => {
    const k1 = signer('k1');
    published = [k1.jwk];
    mode = 'down';
    const store = new JwksSigningKeys(options());
    await store.warm();
    await expect(store.getKey('k1')).rejects.toBeInstanceOf(JwksUnavailableError);
    expect(hits).toBe(2);
    mode = 'up';
    expect(await verifies(store, await sign(k1))).toBe(true);
  });

  it('gives up on an endpoint that does not answer, or stalls its body, after the timeout', async () => {
    for (const stall of ['silent', 'stalled-body'] as const) {
      mode = stall;
      const store = new JwksSigningKeys(options({ timeoutMs: 300 }));
      const started = Date.now();
      await expect(store.getKey('k1')).rejects.toBeInstanceOf(JwksUnavailableError);
      expect(Date.now() - started).toBeLessThan(1500);
    }
  });

  it('uses RS256 and ES256 (P-256) signature keys only; never a private or symmetric one', async () => {
    const rsa = signer('rsa');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { publicKey: p384 } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const { publicKey: ed } = generateKeyPairSync('ed25519');
    published = [
      rsa.jwk,
      { kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', kid: 'sym' },
      { ...signer('enc').jwk, use: 'enc' },
      { ...privateKey.export({ format: 'jwk' }), kid: 'leaky' },
      { ...p384.export({ format: 'jwk' }), kid: 'p384' },
      { ...ed.export({ format: 'jwk' }), kid: 'ed' },
      { ...signer('rs384').jwk, alg: 'RS384' },
    ];
    const store = new JwksSigningKeys(options());
    expect(await verifies(store, await sign(rsa))).toBe(true);
    for (const kid of ['sym', 'enc', 'leaky', 'p384', 'ed', 'rs384']) {
      await expect(store.getKey(kid)).rejects.toBeInstanceOf(UnknownSigningKeyError);
    }
  });

  it('takes the only key for a token without kid, and refuses one when the set has several', async () => {
    const one = signer('one');
    published = [one.jwk];
    const store = new JwksSigningKeys(options());
    expect(await verifies(store, await sign(one, { kid: undefined }))).toBe(true);
    published = [one.jwk, signer('two').jwk];
    const several = new JwksSigningKeys(options());
    await expect(several.getKey(undefined)).rejects.toThrow(
      'The token has no "kid" header and the key set has more than one key.',
    );
  });

  it('is unavailable, not unknown, while the endpoint has served no usable key yet', async () => {
    published = [{ kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0', kid: 'sym' }];
    const store = new JwksSigningKeys(options());
    await expect(store.getKey('sym')).rejects.toBeInstanceOf(JwksUnavailableError);
  });
});
