// What a module supplies to the job platform: a processor. The platform owns everything else (status,
// attempts, timestamps, retries, time limits, cancellation, metrics, callbacks).
import type { ArtifactRef, JobModuleName } from './job.entity.js';

/** Reports progress in [0, 1]; throws when the job must stop (cancelled, past its time limit, shutting down). */
export type ProgressFn = (fraction: number) => Promise<void>;

export interface JobContext {
  readonly jobId: string;
  readonly module: JobModuleName;
  readonly countyId: string;
  /** 1 for the first attempt; retries (transient failures, a lost worker) count up. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /**
   * Aborted (reason: a JobStopped) when the job is cancelled, runs past its time limit, or the process
   * shuts down. Pass it to long operations that accept a signal.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress (0..1, stored and shown in the status) and is the cancellation point: it throws
   * JobStopped when the job must stop. Call it between steps, not in tight loops. Needs no `this`: may be
   * handed on as is.
   */
  readonly progress: ProgressFn;
  /** Records the file this job produced (gis-export); stored with the result. */
  setArtifact(artifact: ArtifactRef): void;
}

/**
 * A module's job logic. Throw PermanentJobError(reason, message) for a failure a retry cannot fix (the
 * message is shown to the client), TransientJobError for one worth retrying; database connection
 * errors are recognised as transient, anything else fails the job as internal_error.
 */
export interface JobProcessor<P = Record<string, unknown>, R = unknown> {
  readonly module: JobModuleName;
  process(params: P, ctx: JobContext): Promise<R>;
  /**
   * Called once the job's result is stored and it is COMPLETED for good (an attempt given up on never
   * gets here): the place for a business event (BusinessEvents). Must not throw; errors are logged.
   */
  completed?(result: R, ctx: JobContext): void;
}
