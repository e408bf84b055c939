export { JobCallbacks, signBody, SIGNATURE_HEADER } from './callbacks/job-callbacks.js';
export { PermanentJobError, TransientJobError, JobStopped } from './job-errors.js';
export type { JobContext, JobProcessor } from './job-processor.js';
export { JobPlatform } from './job-platform.js';
export {
  answerSubmission,
  JobResultsRoute,
  JobRoutesController,
  jobRoutesPath,
  JobRunRoute,
  SubmissionMetricsInterceptor,
  type RunRequest,
} from './job-routes.js';
export { JobRunBaseDto } from './dto/job.dto.js';
export { JobsModule } from './jobs.module.js';
export { JobsService } from './jobs.service.js';
