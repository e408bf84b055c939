// A connection's way back to the pool, and the transaction that undoes itself: an open COPY is failed
// before ROLLBACK, and a connection that cannot even roll back is dropped rather than reused.
import { describe, expect, it, jest } from '@jest/globals';
import { PassThrough, Writable } from 'node:stream';
import type { QueryRunner } from 'typeorm';
import { inTransaction, releaseRunner, type PgConnection } from './pg-client.js';

function fakeConnection(failOn: Partial<Record<string, Error>> = {}) {
  const statements: string[] = [];
  const release = jest.fn<PgConnection['release']>(async () => undefined);
  const client = {
    query: async (sql: string) => {
      statements.push(sql);
      const failure = failOn[sql];
      if (failure) throw failure;
      return { rows: [] };
    },
  };
  return { connection: { client, release } as unknown as PgConnection, statements, release };
}

describe('inTransaction', () => {
  it('wraps the work in BEGIN … COMMIT and returns the connection to the pool', async () => {
    const { connection, statements, release } = fakeConnection();
    const result = await inTransaction(connection, async () => {
      await connection.client.query('INSERT 1');
      return 42;
    });
    expect(result).toBe(42);
    expect(statements).toEqual(['BEGIN', 'INSERT 1', 'COMMIT']);
    expect(release.mock.calls).toEqual([[undefined]]);
  });

  it('on failure fails the open COPY, rolls back, rethrows, and returns the connection', async () => {
    const { connection, statements, release } = fakeConnection();
    const copy = new PassThrough();
    copy.on('error', () => undefined);
    const failure = new Error('bad row');
    await expect(
      inTransaction(connection, async (trackCopy) => {
        trackCopy(copy);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(copy.destroyed).toBe(true);
    expect(statements).toEqual(['BEGIN', 'ROLLBACK']);
    expect(release.mock.calls).toEqual([[undefined]]);
  });

  it('leaves a COPY that already finished alone', async () => {
    const { connection } = fakeConnection();
    // Like a COPY stream that PostgreSQL has acknowledged: ended, not destroyed.
    const copy = new Writable({ autoDestroy: false, write: (_chunk, _encoding, done) => done() });
    copy.end();
    await new Promise((r) => copy.on('finish', r));
    const destroy = jest.spyOn(copy, 'destroy');
    await expect(
      inTransaction(connection, async (trackCopy) => {
        trackCopy(copy);
        throw new Error('after the copy');
      }),
    ).rejects.toThrow('after the copy');
    expect(destroy).not.toHaveBeenCalled();
  });

  it('drops the connection when even ROLLBACK fails (it is unusable), still rethrowing the first error', async () => {
    const lost = new Error('Connection terminated');
    const { connection, release } = fakeConnection({ ROLLBACK: lost });
    await expect(
      inTransaction(connection, async () => {
        throw new Error('statement failed');
      }),
    ).rejects.toThrow('statement failed');
    expect(release.mock.calls).toEqual([[lost]]);
  });

  it('a failed COMMIT rolls back too', async () => {
    const { connection, statements } = fakeConnection({ COMMIT: new Error('serialization failure') });
    await expect(inTransaction(connection, async () => 1)).rejects.toThrow('serialization failure');
    expect(statements).toEqual(['BEGIN', 'COMMIT', 'ROLLBACK']);
  });
});

describe('releaseRunner', () => {
  function fakeRunner() {
    const release = jest.fn(async () => undefined);
    const releasePostgresConnection = jest.fn(async (_error?: Error) => undefined);
    return {
      runner: { release, releasePostgresConnection } as unknown as QueryRunner,
      release,
      releasePostgresConnection,
    };
  }

  it('returns a healthy connection to the pool', async () => {
    for (const failure of [undefined, null]) {
      const { runner, release, releasePostgresConnection } = fakeRunner();
      await releaseRunner(runner, failure);
      expect(release).toHaveBeenCalledTimes(1);
      expect(releasePostgresConnection).not.toHaveBeenCalled();
    }
  });

  it('destroys a connection after a failure, passing it an Error', async () => {
    const { runner, release, releasePostgresConnection } = fakeRunner();
    const failure = new Error('COPY abandoned');
    await releaseRunner(runner, failure);
    expect(release).not.toHaveBeenCalled();
    expect(releasePostgresConnection.mock.calls).toEqual([[failure]]);

    const other = fakeRunner();
    await releaseRunner(other.runner, 'gone');
    expect(other.releasePostgresConnection.mock.calls[0][0]).toEqual(new Error('gone'));
  });
});
