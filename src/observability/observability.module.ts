// Metrics for the whole service on prom-client's global registry, through @willsoto/nestjs-prometheus:
// GET /metrics (MetricsController, a PrometheusController with the fast renderer and its own guard), the
// families this module owns (HTTP, errors, build info, database, engine stages) as providers injected
// into MetricsService, and the DB instrumentation. Request metrics are the global
// RequestMetricsInterceptor registered here, for requests that reach a handler, plus Fastify hooks
// installed by createApp() through installRequestMetrics() for what never does (see http-metrics.ts);
// both follow METRICS_HTTP_ENABLED, so with it off a request pays for neither. Default process metrics
// are started by MetricsService once per process (startDefaultMetrics), not by the Prometheus module,
// which would register them again for every app of a test process.
import { DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { loadEnv } from '../config/env.js';
import { DatabaseMetrics } from './database-metrics.js';
import {
  BUILD_INFO,
  DB_CONNECTIONS_ACTIVE,
  DB_CONNECTIONS_IDLE,
  DB_CONNECTIONS_WAITING,
  DB_QUERY_DURATION,
  ERRORS_TOTAL,
  HTTP_REQUEST_DURATION,
  HTTP_REQUESTS_IN_FLIGHT,
  HTTP_REQUESTS_TOTAL,
  JOB_STAGE_DURATION,
} from './metric-names.js';
import { counterProvider, gaugeProvider, histogramProvider } from './metric-providers.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { RequestMetricsInterceptor } from './request-metrics.interceptor.js';

/** The families this module owns and the service that records them (also used by benches and specs). */
export const METRICS_PROVIDERS: Provider[] = [
  counterProvider(HTTP_REQUESTS_TOTAL),
  histogramProvider(HTTP_REQUEST_DURATION),
  gaugeProvider(HTTP_REQUESTS_IN_FLIGHT),
  counterProvider(ERRORS_TOTAL),
  gaugeProvider(BUILD_INFO),
  histogramProvider(DB_QUERY_DURATION),
  gaugeProvider(DB_CONNECTIONS_ACTIVE),
  gaugeProvider(DB_CONNECTIONS_IDLE),
  gaugeProvider(DB_CONNECTIONS_WAITING),
  histogramProvider(JOB_STAGE_DURATION),
  MetricsService,
];

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
      imports: [PrometheusModule.register({ controller: MetricsController, defaultMetrics: { enabled: false } })],
      providers: [...METRICS_PROVIDERS, DatabaseMetrics, ...requestMetrics],
      exports: [MetricsService],
    };
  }
}
