// The job platform's state machine, decision by decision: heartbeat answers, progress, what follows a
// failure (the retry decision and its backoff), the stale-job sweep.
import { describe, expect, it } from '@jest/globals';
import { afterAttemptError, clampProgress, staleJobAction, stopAfterHeartbeat, stopped } from './attempt-decisions.js';
import { classifyError, JobStopped, PermanentJobError, TransientJobError, type ErrorVerdict } from './job-errors.js';
import { retryDelaySeconds } from './job-platform.js';

describe('stopAfterHeartbeat (fencing and cancellation seen by a running attempt)', () => {
  it('stops a superseded attempt: the fenced write matched no row', () => {
    expect(stopAfterHeartbeat(null)).toBe('superseded');
  });

  it('stops on a requested cancellation and carries on otherwise', () => {
    expect(stopAfterHeartbeat({ cancel_requested: true })).toBe('cancelled');
    expect(stopAfterHeartbeat({ cancel_requested: false })).toBeNull();
  });
});

describe('clampProgress', () => {
  it('keeps fractions within 0..1 and stores 0 for what is not a finite number', () => {
    expect(clampProgress(0.25)).toBe(0.25);
    expect(clampProgress(-0.5)).toBe(0);
    expect(clampProgress(1.5)).toBe(1);
    expect(clampProgress(Number.NaN)).toBe(0);
    expect(clampProgress(Number.POSITIVE_INFINITY)).toBe(0);
  });
});

describe('stopped', () => {
  it('gives each stop cause its client message', () => {
    expect(stopped('cancelled')).toEqual(new JobStopped('cancelled', 'The job was cancelled.'));
    const timeout = stopped('timeout', 900);
    expect(timeout.stopCause).toBe('timeout');
    expect(timeout.message).toBe('The job did not finish within its time limit of 900 s.');
    expect(stopped('shutdown').message).toBe('The service is shutting down.');
    expect(stopped('superseded').message).toBe('The attempt was superseded by a newer one.');
  });
});

describe('afterAttemptError (the retry decision)', () => {
  const verdictOf = (error: unknown): ErrorVerdict => classifyError(error);

  it('cancels on a cancellation, discards a superseded attempt', () => {
    expect(afterAttemptError(verdictOf(stopped('cancelled')), 1, 3)).toEqual({ action: 'cancel' });
    expect(afterAttemptError(verdictOf(stopped('superseded')), 1, 3)).toEqual({ action: 'discard' });
  });

  it('fails a timeout at once, whatever attempts remain', () => {
    expect(afterAttemptError(verdictOf(stopped('timeout', 60)), 1, 3)).toEqual({
      action: 'fail',
      reason: 'timeout',
      message: 'The job did not finish within its time limit of 60 s.',
      logStack: false,
    });
  });

  it('requeues a shutdown at once without counting the attempt', () => {
    expect(afterAttemptError(verdictOf(stopped('shutdown')), 3, 3)).toEqual({
      action: 'retry',
      countAttempt: false,
      backoff: false,
      message: 'Interrupted by a shutdown; requeued.',
    });
  });

  it('retries a transient failure with backoff while attempts remain', () => {
    const verdict = verdictOf(new TransientJobError('database restarting'));
    expect(afterAttemptError(verdict, 1, 3)).toEqual({
      action: 'retry',
      countAttempt: true,
      backoff: true,
      message: 'Attempt 1 failed: database restarting',
    });
    expect(afterAttemptError(verdict, 2, 3)).toMatchObject({
      action: 'retry',
      message: 'Attempt 2 failed: database restarting',
    });
  });

  it('gives up on a transient failure in the last attempt (final), logging its stack', () => {
    const connectionLost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
    expect(afterAttemptError(verdictOf(connectionLost), 3, 3)).toEqual({
      action: 'fail',
      reason: 'internal_error',
      message: 'Gave up after 3 attempts; the last one failed: Connection terminated unexpectedly',
      logStack: true,
    });
  });

  it('fails a permanent failure in the first attempt, with its reason and message', () => {
    expect(afterAttemptError(verdictOf(new PermanentJobError('insufficient_data', 'only 3 sales')), 1, 3)).toEqual({
      action: 'fail',
      reason: 'insufficient_data',
      message: 'only 3 sales',
      logStack: false,
    });
  });

  it('hides the message of an unexpected error from clients and logs its stack', () => {
    expect(afterAttemptError(verdictOf(new TypeError('x is undefined')), 1, 3)).toEqual({
      action: 'fail',
      reason: 'internal_error',
      message: 'The job failed because of an internal error; the service logs have the details.',
      logStack: true,
    });
  });
});

describe('retryDelaySeconds (backoff)', () => {
  it('doubles from the base per attempt, jittered into [0.5, 1) of that', () => {
    expect(retryDelaySeconds(4, 1, () => 0)).toBe(2);
    expect(retryDelaySeconds(4, 1, () => 0.5)).toBe(3);
    expect(retryDelaySeconds(4, 2, () => 0)).toBe(4);
    expect(retryDelaySeconds(4, 3, () => 0)).toBe(8);
    expect(retryDelaySeconds(4, 3, () => 0.999)).toBeCloseTo(15.992, 10);
  });

  it('treats attempt 0 as the first and caps the delay at an hour (before jitter)', () => {
    expect(retryDelaySeconds(4, 0, () => 0)).toBe(2);
    expect(retryDelaySeconds(4, 20, () => 0)).toBe(1800);
    expect(retryDelaySeconds(4, 20, () => 1)).toBe(3600);
  });
});

describe('staleJobAction (the sweep of jobs whose worker went quiet)', () => {
  it("leaves this replica's own live attempt alone", () => {
    expect(staleJobAction({ attempts: 2, max_attempts: 3 }, 2)).toBe('skip');
    expect(staleJobAction({ attempts: 3, max_attempts: 3 }, 3)).toBe('skip');
  });

  it('requeues while attempts remain, fails after the last one', () => {
    expect(staleJobAction({ attempts: 1, max_attempts: 3 }, undefined)).toBe('requeue');
    expect(staleJobAction({ attempts: 2, max_attempts: 3 }, 1)).toBe('requeue');
    expect(staleJobAction({ attempts: 3, max_attempts: 3 }, undefined)).toBe('fail');
    expect(staleJobAction({ attempts: 3, max_attempts: 3 }, 2)).toBe('fail');
  });
});
