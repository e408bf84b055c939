// The job platform's decisions about one attempt, free of I/O so each is unit-tested: what a heartbeat's
// answer means, how progress is clamped, what follows a failure (cancel, retry with or without backoff,
// fail, discard), and what the sweep does with a job whose worker went quiet.
import type { ErrorVerdict, StopCause } from './job-errors.js';
import { JobStopped } from './job-errors.js';
import type { JobErrorReason } from './job.entity.js';

/**
 * What a fenced heartbeat or progress write answered: null when the attempt is no longer the job's current
 * one (requeued by the sweep, finished elsewhere), else whether a cancellation was requested.
 */
export type HeartbeatAnswer = { cancel_requested: boolean } | null;

/** Why the attempt must stop after this heartbeat; null: carry on. */
export function stopAfterHeartbeat(answer: HeartbeatAnswer): 'superseded' | 'cancelled' | null {
  if (!answer) return 'superseded';
  return answer.cancel_requested ? 'cancelled' : null;
}

/** A processor's progress as stored: within 0..1, and 0 for what is not a finite number. */
export function clampProgress(fraction: number): number {
  return Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
}

/** The abort reason of an attempt stopped from outside its processor (its message is the client's). */
export function stopped(cause: StopCause, limitS?: number): JobStopped {
  switch (cause) {
    case 'cancelled':
      return new JobStopped(cause, 'The job was cancelled.');
    case 'timeout':
      return new JobStopped(cause, `The job did not finish within its time limit of ${limitS} s.`);
    case 'shutdown':
      return new JobStopped(cause, 'The service is shutting down.');
    default:
      return new JobStopped(cause, 'The attempt was superseded by a newer one.');
  }
}

/** What the platform does with an attempt that threw (or was stopped). */
export type AfterError =
  /** Mark the job CANCELLED (a requested cancellation reached the processor). */
  | { action: 'cancel' }
  /** Record nothing: a newer attempt owns the job. */
  | { action: 'discard' }
  /** Back to PENDING under a new queue entry; `backoff` false means at once. */
  | { action: 'retry'; countAttempt: boolean; backoff: boolean; message: string }
  /** FAILED for good; `logStack` for errors whose message is not for clients. */
  | { action: 'fail'; reason: JobErrorReason; message: string; logStack: boolean };

/**
 * The retry decision: a transient failure is retried with backoff while attempts remain; a shutdown gives
 * the attempt back and requeues at once; a timeout and every other failure are final.
 */
export function afterAttemptError(verdict: ErrorVerdict, attempt: number, maxAttempts: number): AfterError {
  if (verdict.kind === 'stopped') {
    switch (verdict.stop) {
      case 'cancelled':
        return { action: 'cancel' };
      case 'timeout':
        return { action: 'fail', reason: 'timeout', message: verdict.message, logStack: false };
      case 'shutdown':
        return {
          action: 'retry',
          countAttempt: false,
          backoff: false,
          message: 'Interrupted by a shutdown; requeued.',
        };
      default:
        return { action: 'discard' };
    }
  }
  if (verdict.kind === 'transient' && attempt < maxAttempts) {
    return {
      action: 'retry',
      countAttempt: true,
      backoff: true,
      message: `Attempt ${attempt} failed: ${verdict.message}`,
    };
  }
  const message =
    verdict.kind === 'transient'
      ? `Gave up after ${attempt} attempts; the last one failed: ${verdict.message}`
      : verdict.public
        ? verdict.message
        : 'The job failed because of an internal error; the service logs have the details.';
  return { action: 'fail', reason: verdict.reason, message, logStack: !verdict.public };
}

/**
 * The sweep's decision for a RUNNING job whose heartbeat is late: this replica's own live attempt is
 * left alone (a long synchronous step), otherwise the job is requeued while attempts remain, else FAILED.
 */
export function staleJobAction(
  job: { attempts: number; max_attempts: number },
  ownAttempt: number | undefined,
): 'skip' | 'requeue' | 'fail' {
  if (ownAttempt === job.attempts) return 'skip';
  return job.attempts < job.max_attempts ? 'requeue' : 'fail';
}
