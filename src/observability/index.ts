export * from './decorators/index.js';
export { installRequestMetrics } from './http-metrics.js';
export { JobMetrics } from './job-metrics.js';
export { ManagementServer } from './management-server.js';
export { MetricsService, type PoolStats, type ScrapeRefresher } from './metrics.service.js';
export { ObservabilityModule } from './observability.module.js';
