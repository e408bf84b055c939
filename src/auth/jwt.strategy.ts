// passport-jwt strategy: algorithms pinned per key mode, exp required, nbf/iss/aud checked, bounded clock skew.
import { createSecretKey } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type SecretOrKeyProvider } from 'passport-jwt';
import { authConfig, type AuthSettings } from './auth.config.js';
import { userFromClaims, type AuthUser } from './auth-user.js';
import { JwksSigningKeys } from './jwks-signing-keys.js';

export const JWT_STRATEGY = 'tf-jwt';

type KeyProvider = SecretOrKeyProvider;

/** What JwtAuthenticator hands the strategy: the headers, and the `kid` its header check already decoded. */
export interface JwtRequest {
  headers: IncomingHttpHeaders;
  kid: string | undefined;
}

function keyProvider(settings: AuthSettings, signingKeys: JwksSigningKeys | null): KeyProvider {
  if (settings.keys.kind === 'secret') {
    // A KeyObject made once: a plain string makes jsonwebtoken try to parse it as a public key per request.
    const secret = createSecretKey(Buffer.from(settings.keys.secret, 'utf8'));
    return (_request, _token, done) => done(null, secret as never);
  }
  const jwks = signingKeys!;
  return (request, _rawToken, done) => {
    jwks.getKey((request as JwtRequest).kid).then(
      (key) => done(null, key as never),
      (error: unknown) => done(error as Error, undefined),
    );
  };
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, JWT_STRATEGY) implements OnModuleInit {
  constructor(
    @Inject(authConfig.KEY) private readonly settings: AuthSettings,
    @Inject(JwksSigningKeys) private readonly jwks: JwksSigningKeys | null,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: keyProvider(settings, jwks),
      algorithms: [...settings.keys.algorithms],
      issuer: settings.issuer,
      audience: settings.audience && settings.audience.length > 0 ? settings.audience : undefined,
      ignoreExpiration: false,
      passReqToCallback: false,
      jsonWebTokenOptions: { clockTolerance: settings.clockToleranceS },
    } as never);
  }

  async onModuleInit(): Promise<void> {
    await this.jwks?.warm();
  }

  validate(payload: Record<string, unknown>): AuthUser {
    return userFromClaims(payload, this.settings.roleTable);
  }
}
