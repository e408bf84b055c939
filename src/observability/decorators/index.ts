export { Timed, type TimedOptions } from './timed.decorator.js';
export {
  JobFailure,
  JobProcessing,
  JobSubmission,
  failureReasonOf,
  type JobProcessingOptions,
} from './job-metrics.decorator.js';
