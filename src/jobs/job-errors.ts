// How a processor tells the platform what went wrong, and how unknown errors are classified:
// transient ones are retried with backoff, everything else fails the job at once.
import { JOB_ERROR_REASONS, type JobErrorReason } from './job.entity.js';

/** A failure that may go away by itself (database restarting, a dependency briefly down): retried. */
export class TransientJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientJobError';
  }
}

/** A failure retrying cannot fix (bad input, too little data): the job fails with `reason`. */
export class PermanentJobError extends Error {
  constructor(
    readonly reason: JobErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/**
 * Too few (or too uniform) data for an analysis → failure_reason `insufficient_data`; one class for every engine.
 * Classified by its `code` like any error carrying a reason of its own.
 */
export class InsufficientDataError extends Error {
  readonly code = 'insufficient_data';
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientDataError';
  }
}

/** Why a running attempt was stopped from outside its processor. */
export type StopCause = 'cancelled' | 'timeout' | 'shutdown' | 'superseded';

/** Thrown by `ctx.progress()` (and used as the abort reason) when the attempt must stop. */
export class JobStopped extends Error {
  constructor(
    readonly stopCause: StopCause,
    message: string,
  ) {
    super(message);
    this.name = 'JobStopped';
  }
}

export interface ErrorVerdict {
  kind: 'transient' | 'permanent' | 'stopped';
  reason: JobErrorReason;
  message: string;
  /** Whether `message` was written for clients (else it stays in the logs and clients get a generic one). */
  public: boolean;
  stop?: StopCause;
}

/** SQLSTATE classes/codes of failures a retry can outlive. */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '58000', // system_error
]);
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /connection (?:is )?(?:closed|ended|lost)/i,
  /Client has encountered a connection error/i,
  /timeout exceeded when trying to connect/i,
  /terminating connection due to administrator command/i,
  /the database system is (?:starting up|shutting down|in recovery mode)/i,
];

/** True for database connection loss and the other failures worth retrying. */
export function isTransientError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  if (error instanceof TransientJobError) return true;
  if (error instanceof PermanentJobError) return false;
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof e.code === 'string') {
    if (TRANSIENT_SQLSTATES.has(e.code) || e.code.startsWith('08')) return true;
    if (TRANSIENT_NODE_CODES.has(e.code)) return true;
  }
  if (typeof e.message === 'string' && TRANSIENT_MESSAGES.some((re) => re.test(e.message as string))) return true;
  // TypeORM wraps the driver's error; Error.cause chains.
  return isTransientError(e.driverError, depth + 1) || isTransientError(e.cause, depth + 1);
}

/** Maps a failure reason of other code (e.g. the metrics layer's JobFailure) onto the job's fixed set. */
export function normaliseReason(reason: unknown): JobErrorReason {
  if (typeof reason !== 'string') return 'internal_error';
  if ((JOB_ERROR_REASONS as readonly string[]).includes(reason)) return reason as JobErrorReason;
  if (reason === 'no_data') return 'insufficient_data';
  return 'internal_error';
}

/** What the platform does with an error thrown by a processor. */
export function classifyError(error: unknown): ErrorVerdict {
  const message = errorMessage(error);
  if (error instanceof JobStopped) {
    return {
      kind: 'stopped',
      stop: error.stopCause,
      reason: error.stopCause === 'timeout' ? 'timeout' : 'internal_error',
      message,
      public: true,
    };
  }
  if (error instanceof PermanentJobError) return { kind: 'permanent', reason: error.reason, message, public: true };
  if (isTransientError(error)) return { kind: 'transient', reason: 'internal_error', message, public: false };
  // Errors carrying a reason of their own (JobFailure of src/observability, the valuation engine's
  // errors with code 'insufficient_data' / 'invalid_input') are final.
  const reason = (error as { reason?: unknown; failureReason?: unknown; code?: unknown } | null) ?? {};
  if (typeof reason.code === 'string' && (JOB_ERROR_REASONS as readonly string[]).includes(reason.code)) {
    return { kind: 'permanent', reason: reason.code as JobErrorReason, message, public: true };
  }
  if (typeof reason.reason === 'string' || typeof reason.failureReason === 'string') {
    return {
      kind: 'permanent',
      reason: normaliseReason(reason.reason ?? reason.failureReason),
      message,
      public: true,
    };
  }
  return { kind: 'permanent', reason: 'internal_error', message, public: false };
}

function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 1000 ? text.slice(0, 1000) + '…' : text;
}
