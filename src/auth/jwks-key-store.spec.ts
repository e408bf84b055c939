import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwksKeyStore, JwksUnavailableError, parseJwks, UnknownSigningKeyError } from './jwks-key-store.js';

function jwk(kid: string, type: 'rsa' | 'ec' = 'rsa') {
  const { publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, use: 'sig' };
}

describe('JwksKeyStore', () => {
  let server: Server;
  let uri: string;
  let keys: Record<string, unknown>[] = [];
  let up = true;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      if (!up) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('caches, refetches once for an unknown kid, keeps last good keys while the endpoint is down', async () => {
    let now = 1_000_000;
    keys = [jwk('k1')];
    up = true;
    hits = 0;
    const store = new JwksKeyStore({ uri, cacheTtlMs: 600_000, requestsPerMinute: 5, timeoutMs: 2000 }, () => now);
    const k1 = await store.getKey('k1');
    expect(k1.asymmetricKeyType).toBe('rsa');
    await store.getKey('k1');
    expect(hits).toBe(1);

    // Rotation: a token signed with a new key makes the store refetch once.
    keys = [jwk('k1'), jwk('k2', 'ec')];
    expect((await store.getKey('k2')).asymmetricKeyType).toBe('ec');
    expect(hits).toBe(2);

    // Unknown kid after a refetch: refused, one fetch more.
    await expect(store.getKey('nope')).rejects.toBeInstanceOf(UnknownSigningKeyError);
    expect(hits).toBe(3);

    // Endpoint down after the TTL: the last good keys still verify.
    up = false;
    now += 700_000;
    expect((await store.getKey('k2')).asymmetricKeyType).toBe('ec');
    expect(hits).toBe(4);
  });

  it('rate limits refetches triggered by unknown kids', async () => {
    keys = [jwk('only')];
    up = true;
    hits = 0;
    const store = new JwksKeyStore({ uri, cacheTtlMs: 600_000, requestsPerMinute: 3, timeoutMs: 2000 });
    await store.getKey('only');
    for (let i = 0; i < 10; i++)
      await expect(store.getKey(`forged-${i}`)).rejects.toBeInstanceOf(UnknownSigningKeyError);
    expect(hits).toBe(3);
  });

  it('reports unavailability when keys were never fetched', async () => {
    up = false;
    const store = new JwksKeyStore({ uri, cacheTtlMs: 600_000, requestsPerMinute: 3, timeoutMs: 2000 });
    await expect(store.getKey('k1')).rejects.toBeInstanceOf(JwksUnavailableError);
  });

  it('ignores symmetric, encryption and foreign-curve keys and strips private members', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateJwk = { ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'leaky' };
    const parsed = parseJwks({
      keys: [
        { kty: 'oct', k: 'c2VjcmV0', kid: 'sym' },
        { ...jwk('enc'), use: 'enc' },
        privateJwk,
        { kty: 'EC', crv: 'P-521', x: 'AA', y: 'AA', kid: 'p521' },
      ],
    });
    expect([...parsed.keys()]).toEqual(['leaky']);
    expect(parsed.get('leaky')!.type).toBe('public');
    expect(() => parseJwks({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })).toThrow('no usable RS256/ES256 signing keys');
    expect(() => parseJwks({})).toThrow('not a JWK set');
  });
});
