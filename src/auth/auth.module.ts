// Authentication and authorization: JWT strategy, the global access guard, metrics access.
import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessGuard } from './access.guard.js';
import { AUTH_METRIC_PROVIDERS } from './auth-metrics.js';
import { authConfig, type AuthSettings } from './auth.config.js';
import { JwksSigningKeys } from './jwks-signing-keys.js';
import { JwtAuthenticator } from './jwt-authenticator.js';
import { JwtStrategy } from './jwt.strategy.js';
import { MetricsAccess, MetricsAuthGuard } from './metrics-access.js';
import { RouteAccessCheck } from './route-access.check.js';

@Global()
@Module({
  imports: [ConfigModule.forFeature(authConfig), PassportModule.register({ session: false }), DiscoveryModule],
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
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [JwtAuthenticator, MetricsAccess, MetricsAuthGuard, RouteAccessCheck],
})
export class AuthModule {}
