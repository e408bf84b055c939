// Authentication and authorization: JWT strategy, the global rate-limit and access guards, metrics access.
import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccessGuard } from './access.guard.js';
import { AUTH_METRIC_PROVIDERS } from './auth-metrics.js';
import { authConfig, type AuthSettings } from './auth.config.js';
import { JwksSigningKeys } from './jwks-signing-keys.js';
import { JwtAuthenticator } from './jwt-authenticator.js';
import { JwtStrategy } from './jwt.strategy.js';
import { MetricsAccess, MetricsAuthGuard } from './metrics-access.js';
import { RateLimitGuard, rateLimitOptions } from './rate-limit.guard.js';
import { RouteAccessCheck } from './route-access.check.js';

@Global()
@Module({
  imports: [
    ConfigModule.forFeature(authConfig),
    PassportModule.register({ session: false }),
    DiscoveryModule,
    ThrottlerModule.forRootAsync({
      imports: [ConfigModule.forFeature(authConfig)],
      inject: [authConfig.KEY],
      useFactory: rateLimitOptions,
    }),
  ],
  providers: [
    {
      provide: JwksSigningKeys,
      inject: [authConfig.KEY],
      useFactory: (settings: AuthSettings) =>
        settings.keys.kind === 'jwks' ? new JwksSigningKeys({ uri: settings.keys.uri, ...settings.jwks }) : null,
    },
    ...AUTH_METRIC_PROVIDERS,
    JwtStrategy,
    JwtAuthenticator,
    MetricsAccess,
    MetricsAuthGuard,
    RouteAccessCheck,
    // Global guards run in this order: rate limits (address, then token subject), then access.
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [JwtAuthenticator, MetricsAccess, MetricsAuthGuard, RouteAccessCheck],
})
export class AuthModule {}
