// Public keys from AUTH_JWKS_URI: cached, refreshed on a TTL, one rate-limited refetch for an unknown kid
// (key rotation), and the last good keys kept while the endpoint is down.
//
// jwks-rsa 4 depends on the ESM-only `jose` 6, which cannot be loaded from CommonJS under jest's ESM
// runtime on Node 20; Node's own JWK import does the key work here with the same semantics.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { Logger } from '@nestjs/common';

export interface JwksOptions {
  uri: string;
  cacheTtlMs: number;
  /** Fetches allowed per rolling minute (TTL refreshes and unknown-kid refetches together). */
  requestsPerMinute: number;
  timeoutMs: number;
}

/** No key in the (refetched) set matches the token's kid. */
export class UnknownSigningKeyError extends Error {
  constructor(message = 'No signing key matches the token\'s "kid".') {
    super(message);
    this.name = 'UnknownSigningKeyError';
  }
}

/** Keys have never been obtained (endpoint down since start). */
export class JwksUnavailableError extends Error {
  constructor() {
    super('Signing keys are not available.');
    this.name = 'JwksUnavailableError';
  }
}

const MAX_JWKS_BYTES = 512 * 1024;
const MAX_KEYS = 100;

export class JwksKeyStore {
  private readonly logger = new Logger('JwksKeyStore');
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private hasKeys = false;
  private inflight?: Promise<boolean>;
  private readonly fetchTimes: number[] = [];

  constructor(
    private readonly options: JwksOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Best-effort first fetch at start; failure is logged, not fatal (keys may arrive later). */
  async warm(): Promise<void> {
    await this.refresh();
  }

  async getKey(kid: string | undefined): Promise<KeyObject> {
    let refreshed = false;
    if (!this.hasKeys || this.now() - this.fetchedAt > this.options.cacheTtlMs) {
      refreshed = await this.refresh();
    }
    if (!this.hasKeys) throw new JwksUnavailableError();
    let key = this.find(kid);
    if (!key && !refreshed && kid !== undefined) {
      // An unknown kid usually means the issuer rotated keys: refetch once (rate-limited).
      await this.refresh();
      key = this.find(kid);
    }
    if (!key) {
      throw new UnknownSigningKeyError(
        kid === undefined ? 'The token has no "kid" header and the key set has more than one key.' : undefined,
      );
    }
    return key;
  }

  private find(kid: string | undefined): KeyObject | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    return this.keys.size === 1 ? [...this.keys.values()][0] : undefined;
  }

  /** Returns true when a fetch succeeded; keeps the previous keys on any failure. */
  private refresh(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    const now = this.now();
    while (this.fetchTimes.length > 0 && now - this.fetchTimes[0] >= 60_000) this.fetchTimes.shift();
    if (this.fetchTimes.length >= this.options.requestsPerMinute) return Promise.resolve(false);
    this.fetchTimes.push(now);
    this.inflight = this.fetchKeys()
      .then((keys) => {
        this.keys = keys;
        this.hasKeys = true;
        this.fetchedAt = this.now();
        return true;
      })
      .catch((error: unknown) => {
        this.logger.warn(
          `JWKS fetch from ${this.options.uri} failed (${(error as Error).message}); ` +
            (this.hasKeys ? 'keeping the last good keys' : 'no keys yet'),
        );
        return false;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async fetchKeys(): Promise<Map<string, KeyObject>> {
    const response = await fetch(this.options.uri, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      signal: AbortSignal.timeout(this.options.timeoutMs),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error('key set too large');
    return parseJwks(JSON.parse(text) as unknown);
  }
}

/** Signature-verification public keys of a JWKS; symmetric ("oct") and encryption keys are ignored. */
export function parseJwks(document: unknown): Map<string, KeyObject> {
  const list = (document as { keys?: unknown })?.keys;
  if (!Array.isArray(list)) throw new Error('not a JWK set (no "keys" array)');
  const keys = new Map<string, KeyObject>();
  for (const jwk of list.slice(0, MAX_KEYS) as Record<string, unknown>[]) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.kty === 'EC' && jwk.crv !== 'P-256') continue;
    if (jwk.alg !== undefined && jwk.alg !== 'RS256' && jwk.alg !== 'ES256') continue;
    try {
      // Only the public members: a set that leaks private parameters must not turn into a private key.
      const { kty, n, e, crv, x, y } = jwk;
      const key = createPublicKey({ key: { kty, n, e, crv, x, y } as never, format: 'jwk' });
      keys.set(typeof jwk.kid === 'string' ? jwk.kid : `#${keys.size}`, key);
    } catch {
      // A malformed entry does not spoil the rest of the set.
    }
  }
  if (keys.size === 0) throw new Error('no usable RS256/ES256 signing keys');
  return keys;
}
