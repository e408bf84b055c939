// The fencing of a running attempt, as the jobs table's SQL states it: the claim takes only the job's
// current queue entry, and every later write of the attempt (heartbeat, progress, outcome, requeue)
// matches its (id, attempts, queue entry) while RUNNING, so an attempt given up on changes nothing.
import { describe, expect, it, jest } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { JobsRepository, type AttemptKey } from './jobs.repository.js';

interface Call {
  sql: string;
  params: unknown[];
}

/** A stand-in for the pool under TypeORM that answers every statement with `rows` and records it. */
function fakeDatabase(rows: unknown[] = []) {
  const calls: Call[] = [];
  const query = async (sql: string, params: unknown[] = []) => {
    calls.push({ sql: sql.replace(/\s+/g, ' ').trim(), params });
    return { rows, rowCount: rows.length };
  };
  const client = { query, release: jest.fn() };
  const pool = { query, connect: async () => client };
  const repository = new JobsRepository({ driver: { master: pool } } as unknown as DataSource);
  return { repository, calls, client };
}

const FENCE = "WHERE id = $1 AND status = 'RUNNING' AND attempts = $2 AND queue_job_id = $3";
const KEY: AttemptKey = { id: 'job-1', attempt: 2, queueJobId: 'entry-2' };
const ROW = { id: 'job-1', status: 'RUNNING', attempts: 2 };

describe('JobsRepository: claiming an attempt', () => {
  it('claims only through the current queue entry of an unfinished job, counting the attempt', async () => {
    const { repository, calls } = fakeDatabase([ROW]);
    await expect(repository.startAttempt('job-1', 'entry-2', 'worker-a')).resolves.toEqual(ROW);
    expect(calls).toHaveLength(1);
    expect(calls[0].sql).toContain("SET status = 'RUNNING', attempts = attempts + 1, progress = 0");
    expect(calls[0].sql).toContain("WHERE id = $1 AND queue_job_id = $2 AND status IN ('PENDING', 'RUNNING')");
    expect(calls[0].params).toEqual(['job-1', 'entry-2', 'worker-a']);
  });

  it('answers null for a stale queue entry or a finished job (no row matched)', async () => {
    const { repository } = fakeDatabase([]);
    await expect(repository.startAttempt('job-1', 'old-entry', 'worker-a')).resolves.toBeNull();
  });
});

describe('JobsRepository: writes of a running attempt are fenced', () => {
  it('heartbeat and progress: fenced, progress kept when not given, null once superseded', async () => {
    const live = fakeDatabase([{ cancel_requested: true }]);
    await expect(live.repository.touch(KEY)).resolves.toEqual({ cancel_requested: true });
    await live.repository.touch(KEY, 0.5);
    expect(live.calls.map((c) => c.params)).toEqual([
      ['job-1', 2, 'entry-2', null],
      ['job-1', 2, 'entry-2', 0.5],
    ]);
    for (const call of live.calls) {
      expect(call.sql).toContain('progress = COALESCE($4, progress)');
      expect(call.sql).toContain(FENCE);
    }
    await expect(fakeDatabase([]).repository.touch(KEY, 0.5)).resolves.toBeNull();
  });

  it('complete, fail and cancel: each fenced, each null when the attempt is no longer current', async () => {
    const { repository, calls } = fakeDatabase([]);
    await expect(repository.complete(KEY, { n: 1 }, null)).resolves.toBeNull();
    await expect(repository.fail(KEY, 'timeout', 'too long')).resolves.toBeNull();
    await expect(repository.cancelAttempt(KEY)).resolves.toBeNull();
    expect(calls.map((c) => c.sql.match(/SET status = '(\w+)'/)?.[1])).toEqual(['COMPLETED', 'FAILED', 'CANCELLED']);
    for (const call of calls) {
      expect(call.sql).toContain(FENCE);
      expect(call.params.slice(0, 3)).toEqual(['job-1', 2, 'entry-2']);
    }
    expect(calls[0].params.slice(3)).toEqual(['{"n":1}', null]);
    expect(calls[1].params.slice(3)).toEqual(['timeout', 'too long']);
  });

  it('requeue: fenced, in one transaction with the new queue entry, which is sent only when the row moved', async () => {
    const moved = fakeDatabase([ROW]);
    const enqueue = jest.fn(async () => undefined);
    await expect(moved.repository.requeue(KEY, 'entry-3', false, 'Interrupted', enqueue)).resolves.toEqual(ROW);
    expect(moved.calls.map((c) => c.sql.split(' ')[0])).toEqual(['BEGIN', 'UPDATE', 'COMMIT']);
    expect(moved.calls[1].sql).toContain(FENCE);
    expect(moved.calls[1].sql).toContain('attempts = attempts - CASE WHEN $5 THEN 0 ELSE 1 END');
    expect(moved.calls[1].params).toEqual(['job-1', 2, 'entry-2', 'entry-3', false, 'Interrupted']);
    expect(enqueue).toHaveBeenCalledTimes(1);
    expect(moved.client.release).toHaveBeenCalledTimes(1);

    const superseded = fakeDatabase([]);
    const never = jest.fn(async () => undefined);
    await expect(superseded.repository.requeue(KEY, 'entry-3', true, null, never)).resolves.toBeNull();
    expect(never).not.toHaveBeenCalled();
  });

  it('the sweep requeues or fails a stale job only in the attempt it found', async () => {
    const { repository, calls, client } = fakeDatabase([]);
    await expect(repository.requeueStale(client as never, 'job-1', 2, 'entry-3')).resolves.toBe(false);
    await expect(repository.failStale(client as never, 'job-1', 2, 'gone')).resolves.toBeNull();
    for (const call of calls) expect(call.sql).toContain("WHERE id = $1 AND status = 'RUNNING' AND attempts = $2");
    expect(calls.map((c) => c.params)).toEqual([
      ['job-1', 2, 'entry-3'],
      ['job-1', 2, 'gone'],
    ]);
  });
});

describe('JobsRepository: cancellation', () => {
  it('cancels a PENDING job at once and only flags a RUNNING one; finished jobs are not touched', async () => {
    const { repository, calls } = fakeDatabase([]);
    await expect(repository.requestCancel('job-1')).resolves.toBeNull();
    expect(calls[0].sql).toContain("status = CASE WHEN status = 'PENDING' THEN 'CANCELLED' ELSE status END");
    expect(calls[0].sql).toContain('cancel_requested = true');
    expect(calls[0].sql).toContain("WHERE id = $1 AND status IN ('PENDING', 'RUNNING')");
    expect(calls[0].params).toEqual(['job-1']);
  });
});
