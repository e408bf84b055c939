// Job-family decorators for the job platform and processors (DESIGN.md §5):
//   @JobSubmission('reporting', (args, job) => ({ countyId, kind: report_type, statusOnSubmit: job?.status }))
//     → report_jobs_submitted_total{county_id,status_on_submit,report_type}; a throwing submit counts as "rejected".
//   @JobProcessing('reporting', (args) => ({ countyId, kind }))
//     → on return: report_jobs_completed_total + report_processing_duration_seconds;
//       on throw (when final): report_jobs_failed_total{failure_reason} from JobFailure.reason, else "internal_error".
// Every label value goes through MetricsService's bounds (county slug + cap, fixed enums).
import type { FailureReason, JobModule } from '../metric-names.js';
import { activeMetrics, type JobLabels } from '../metrics.service.js';
import { copyMetadata } from './timed.decorator.js';

/** Throw (or wrap with) this to give a failed job its failure_reason. */
export class JobFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'JobFailure';
  }
}

export function failureReasonOf(error: unknown): string {
  if (error instanceof JobFailure) return error.reason;
  const reason = (error as { failureReason?: unknown } | null)?.failureReason;
  return typeof reason === 'string' ? reason : 'internal_error';
}

type Method = (...args: unknown[]) => unknown;

export function JobSubmission(
  module: JobModule,
  labelsOf: (args: unknown[], result: unknown) => JobLabels & { statusOnSubmit?: string },
): MethodDecorator {
  return wrap(
    (original) =>
      function submission(this: unknown, ...args: unknown[]) {
        const record = (result: unknown, failed: boolean) => {
          const metrics = activeMetrics();
          if (!metrics) return;
          const labels = labelsOf(args, result);
          metrics.jobs(module).submitted({
            ...labels,
            statusOnSubmit: failed ? 'rejected' : (labels.statusOnSubmit ?? 'accepted'),
          });
        };
        return settle(
          original,
          this,
          args,
          (value) => record(value, false),
          () => record(undefined, true),
        );
      },
  );
}

export interface JobProcessingOptions {
  /** Whether a thrown error ends the job for good (default: always); retried attempts are not failures. */
  isFinal?: (error: unknown, args: unknown[]) => boolean;
}

export function JobProcessing(
  module: JobModule,
  labelsOf: (args: unknown[]) => JobLabels,
  options: JobProcessingOptions = {},
): MethodDecorator {
  return wrap(
    (original) =>
      function processing(this: unknown, ...args: unknown[]) {
        const start = performance.now();
        return settle(
          original,
          this,
          args,
          () =>
            activeMetrics()
              ?.jobs(module)
              .completed(labelsOf(args), (performance.now() - start) / 1000),
          (error) => {
            if (options.isFinal && !options.isFinal(error, args)) return;
            activeMetrics()
              ?.jobs(module)
              .failed({ ...labelsOf(args), reason: failureReasonOf(error) });
          },
        );
      },
  );
}

function wrap(make: (original: Method) => Method): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as Method;
    if (typeof original !== 'function') throw new Error('job metric decorators decorate methods only');
    descriptor.value = make(original);
    copyMetadata(original, descriptor.value as object);
    return descriptor;
  };
}

/** Calls `fn`, then `ok`/`fail` once it settled (sync or async); the result or error passes through. */
function settle(
  fn: Method,
  self: unknown,
  args: unknown[],
  ok: (value: unknown) => void,
  fail: (error: unknown) => void,
): unknown {
  let result: unknown;
  try {
    result = fn.apply(self, args);
  } catch (error) {
    safely(() => fail(error));
    throw error;
  }
  if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
    return (result as Promise<unknown>).then(
      (value) => {
        safely(() => ok(value));
        return value;
      },
      (error: unknown) => {
        safely(() => fail(error));
        throw error;
      },
    );
  }
  safely(() => ok(result));
  return result;
}

/** Recording metrics must never change what the decorated method returns or throws. */
function safely(record: () => void): void {
  try {
    record();
  } catch {
    // A bad label extractor loses one sample, not the job.
  }
}
