export * from './decorators/index.js';
export { installRequestMetrics } from './http-metrics.js';
export { ManagementServer } from './management-server.js';
export { MetricsService, JobMetrics, type JobCountsSource, type PoolStats } from './metrics.service.js';
export { ObservabilityModule } from './observability.module.js';
