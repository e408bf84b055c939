export { Timed, type TimedStage } from './timed.decorator.js';
export { JobMetricFamily, jobMetricProviders } from './job-metric-family.decorator.js';
