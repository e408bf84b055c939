// Metrics for the whole service: one prom-client registry (its global `register`), GET /metrics, the
// typed MetricsService, DB instrumentation, and the binding of the auth layer's AUTH_METRICS. Request
// metrics are the global RequestMetricsInterceptor registered here, for requests that reach a handler,
// plus Fastify hooks installed by createApp() through installRequestMetrics() for what never does (see
// http-metrics.ts). Both follow METRICS_HTTP_ENABLED, so with it off a request pays for neither.
// Not @willsoto/nestjs-prometheus: it is CommonJS and require()s @nestjs/common, which is ESM-only in
// Nest 12, so the app could not be loaded by the jest ESM test runner (ERR_REQUIRE_ESM). What it would
// add here — a controller at /metrics and collectDefaultMetrics() — is done by MetricsController and
// MetricsService on the same global registry it uses.
import { DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AUTH_METRICS } from '../auth/auth-metrics.js';
import { loadEnv } from '../config/env.js';
import { DatabaseMetrics } from './database-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { RequestMetricsInterceptor } from './request-metrics.interceptor.js';

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(): DynamicModule {
    const requestMetrics: Provider[] = loadEnv().METRICS_HTTP_ENABLED
      ? [{ provide: APP_INTERCEPTOR, useClass: RequestMetricsInterceptor }]
      : [];
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [MetricsController],
      providers: [
        MetricsService,
        DatabaseMetrics,
        { provide: AUTH_METRICS, useExisting: MetricsService },
        ...requestMetrics,
      ],
      exports: [MetricsService, AUTH_METRICS],
    };
  }
}
