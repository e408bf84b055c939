// Metrics for the whole service: one prom-client registry (its global `register`), GET /metrics, the
// typed MetricsService, DB instrumentation, and the binding of the auth layer's AUTH_METRICS. Request
// metrics are Fastify hooks installed by createApp() through installRequestMetrics() (see
// http-metrics.ts for why not an interceptor).
// Not @willsoto/nestjs-prometheus: it is CommonJS and require()s @nestjs/common, which is ESM-only in
// Nest 12, so the app could not be loaded by the jest ESM test runner (ERR_REQUIRE_ESM). What it would
// add here — a controller at /metrics and collectDefaultMetrics() — is done by MetricsController and
// MetricsService on the same global registry it uses.
import { DynamicModule, Global, Module } from '@nestjs/common';
import { AUTH_METRICS } from '../auth/auth-metrics.js';
import { DatabaseMetrics } from './database-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [MetricsController],
      providers: [MetricsService, DatabaseMetrics, { provide: AUTH_METRICS, useExisting: MetricsService }],
      exports: [MetricsService, AUTH_METRICS],
    };
  }
}
