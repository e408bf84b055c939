// Public keys from AUTH_JWKS_URI through jwks-rsa (its per-kid cache, rate-limited fetch on a cache miss and
// request timeout), narrowed to what this service verifies and to the answers it gives: unknown key or no keys yet.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { Logger } from '@nestjs/common';
import jwksRsa from 'jwks-rsa';

export interface JwksOptions {
  uri: string;
  /** How long a fetched key is used before it is fetched again. */
  cacheTtlMs: number;
  /** Fetches allowed per minute (cache misses: unknown kids and expired keys together). */
  requestsPerMinute: number;
  /** Socket timeout of a fetch; also the longest a request waits for keys. */
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

const NO_KID = 'The token has no "kid" header and the key set has more than one key.';

/** Distinct keys kept; forged kids are never cached (jwks-rsa caches found keys only), so this bounds real keys. */
const MAX_CACHED_KEYS = 100;

/** A JwksClient that remembers the key set of its last successful fetch. */
class WatchedJwksClient extends jwksRsa.JwksClient {
  /** kid → SPKI PEM of the last fetched set; undefined until a fetch succeeded. */
  published?: Map<string | undefined, string>;

  override async getSigningKeys(): Promise<jwksRsa.SigningKey[]> {
    const keys = await super.getSigningKeys();
    this.published = new Map(keys.map((key) => [key.kid as string | undefined, key.getPublicKey()]));
    return keys;
  }
}

export class JwksSigningKeys {
  private readonly logger = new Logger('JwksSigningKeys');
  private readonly client: WatchedJwksClient;
  /** Key objects made once per cached signing key (jsonwebtoken would parse a PEM string on every verify). */
  private readonly keyObjects = new WeakMap<jwksRsa.SigningKey, KeyObject | null>();

  constructor(private readonly options: JwksOptions) {
    this.client = new WatchedJwksClient({
      jwksUri: options.uri,
      requestHeaders: { accept: 'application/json, application/jwk-set+json' },
      timeout: options.timeoutMs,
      cache: true,
      cacheMaxAge: options.cacheTtlMs,
      cacheMaxEntries: MAX_CACHED_KEYS,
      // The last good key of a kid is served for as long as the endpoint is unreachable: an outage of the
      // identity provider does not lock out tokens it signed before.
      cacheMaxAgeFallback: Number.POSITIVE_INFINITY,
      onStaleCacheFallback: (error, kid) =>
        this.logger.warn(
          `JWKS fetch from ${options.uri} failed (${error.message}); keeping the last good key "${kid}"`,
        ),
      rateLimit: true,
      jwksRequestsPerMinute: options.requestsPerMinute,
    });
  }

  /** Best-effort first fetch at start, so a wrong or unreachable URI shows in the log; keys may arrive later. */
  async warm(): Promise<void> {
    try {
      await this.withDeadline(this.client.getSigningKeys());
    } catch (error) {
      this.logger.warn(`JWKS fetch from ${this.options.uri} failed (${(error as Error).message}); no keys yet`);
    }
  }

  async getKey(kid: string | undefined): Promise<KeyObject> {
    let signingKey: jwksRsa.SigningKey;
    try {
      signingKey = await this.withDeadline(this.client.getSigningKey(kid));
    } catch (error) {
      throw this.failure(error, kid);
    }
    const published = this.client.published;
    const pem = signingKey.getPublicKey();
    // jwks-rsa caches per kid: a key of an older set that the issuer has since retired is still in its
    // cache, and is refused here like an unknown one.
    if (!published || published.get(signingKey.kid) !== pem || (kid === undefined && published.size !== 1)) {
      throw new UnknownSigningKeyError(kid === undefined ? NO_KID : undefined);
    }
    const key = this.keyObject(signingKey, pem);
    if (!key) throw new UnknownSigningKeyError();
    return key;
  }

  /** RS256 (RSA) and ES256 (EC P-256) keys only; jwks-rsa also hands out keys of other types and curves. */
  private keyObject(signingKey: jwksRsa.SigningKey, pem: string): KeyObject | null {
    let key = this.keyObjects.get(signingKey);
    if (key === undefined) {
      const candidate = createPublicKey(pem);
      const alg = (signingKey as { alg?: string }).alg;
      const usable =
        (alg === undefined || alg === 'RS256' || alg === 'ES256') &&
        (candidate.asymmetricKeyType === 'rsa' ||
          (candidate.asymmetricKeyType === 'ec' && candidate.asymmetricKeyDetails?.namedCurve === 'prime256v1'));
      key = usable ? candidate : null;
      this.keyObjects.set(signingKey, key);
    }
    return key;
  }

  /**
   * No kid match after a fetch is an unknown key. Any other failure (endpoint down or too slow, a set without
   * signing keys, a refetch refused by the rate limit) is an unknown key too once keys were obtained, since
   * the known ones are still served; before that the service cannot judge the token.
   */
  private failure(error: unknown, kid: string | undefined): Error {
    if (error instanceof jwksRsa.SigningKeyNotFoundError)
      return new UnknownSigningKeyError(kid === undefined ? NO_KID : undefined);
    if (!(error instanceof jwksRsa.JwksRateLimitError)) {
      this.logger.warn(`JWKS fetch from ${this.options.uri} failed (${(error as Error).message})`);
    }
    return this.client.published ? new UnknownSigningKeyError() : new JwksUnavailableError();
  }

  /**
   * jwks-rsa's timeout is a socket timeout, and a response whose body stalls after the headers never
   * settles; a request waits for keys no longer than the timeout either way.
   */
  private withDeadline<T>(pending: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
      timer.unref();
    });
    return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
  }
}
