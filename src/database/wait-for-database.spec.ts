// Waiting for an external database at start-up: which failures are fatal at once, which are retried, and
// what is logged and thrown.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { createServer } from 'node:net';
import pg from 'pg';
import { connectFailure, DatabaseUnavailableError, waitForDatabase, type StartupLog } from './wait-for-database.js';

const URL = 'postgres://app:secret@db.invalid:5432/terrafusion';
const OPTIONS = { retries: 2, delayMs: 1, connectTimeoutMs: 1000 };

const pgError = (message: string, code: string) => Object.assign(new Error(message), { code });

function fakeLog() {
  const info = jest.fn<StartupLog['info']>();
  const warn = jest.fn<StartupLog['warn']>();
  return { log: { info, warn }, info, warn };
}

/** pg.Client answering each connect() in turn with the given failures (then success). */
function connectAnswers(...failures: Error[]) {
  const connect = jest.spyOn(pg.Client.prototype, 'connect').mockImplementation((async () => {
    const failure = failures.shift();
    if (failure) throw failure;
  }) as never);
  const query = jest.spyOn(pg.Client.prototype, 'query').mockImplementation((async () => ({ rows: [] })) as never);
  const end = jest.spyOn(pg.Client.prototype, 'end').mockImplementation((async () => undefined) as never);
  return { connect, query, end };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('connectFailure', () => {
  it('is permanent for a bad password, an unknown role or database, a missing privilege', () => {
    for (const code of ['28P01', '28000', '3D000', '42501']) {
      expect(connectFailure(pgError('refused', code)).permanent).toBe(true);
    }
  });

  it('is retried for everything else: connection refused, a server starting up, a timeout', () => {
    expect(connectFailure(pgError('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')).permanent).toBe(false);
    expect(connectFailure(pgError('the database system is starting up', '57P03')).permanent).toBe(false);
    expect(connectFailure(new Error('Connection terminated due to connection timeout')).permanent).toBe(false);
    expect(connectFailure('not even an error').permanent).toBe(false);
  });

  it('says what failed in one line, naming the code once', () => {
    expect(connectFailure(pgError('password authentication failed for user "app"', '28P01')).reason).toBe(
      'password authentication failed for user "app" (28P01)',
    );
    expect(connectFailure(pgError('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED')).reason).toBe(
      'connect ECONNREFUSED 10.0.0.5:5432',
    );
    expect(connectFailure(new Error('first line\nsecond line')).reason).toBe('first line');
    expect(connectFailure(null).reason).toBe('null');
  });
});

describe('waitForDatabase', () => {
  it('returns after the first good connection, logging nothing', async () => {
    const { connect, query, end } = connectAnswers();
    const { log, info, warn } = fakeLog();
    await waitForDatabase(URL, OPTIONS, log);
    expect(connect).toHaveBeenCalledTimes(1);
    expect(query).toHaveBeenCalledWith('SELECT 1');
    expect(end).toHaveBeenCalledTimes(1);
    expect(info).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });

  it('retries a database that is not reachable yet, saying so each time, and reports the attempt that worked', async () => {
    const { connect, end } = connectAnswers(pgError('the database system is starting up', '57P03'));
    const { log, info, warn } = fakeLog();
    await waitForDatabase(URL, OPTIONS, log);
    expect(connect).toHaveBeenCalledTimes(2);
    expect(end).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls).toEqual([
      [
        { attempt: 1, attempts: 3, reason: 'the database system is starting up (57P03)', retry_in_ms: 1 },
        'Database not reachable (attempt 1 of 3): the database system is starting up (57P03); retrying in 1 ms',
      ],
    ]);
    expect(info.mock.calls).toEqual([[{ attempt: 2 }, 'Database reachable (attempt 2 of 3)']]);
  });

  it('fails at once on wrong credentials, without retrying', async () => {
    const { connect } = connectAnswers(pgError('password authentication failed for user "app"', '28P01'));
    const { log, warn } = fakeLog();
    const failure = waitForDatabase(URL, OPTIONS, log);
    await expect(failure).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(failure).rejects.toThrow(
      'The database refused the connection: password authentication failed for user "app" (28P01)',
    );
    expect(connect).toHaveBeenCalledTimes(1);
    expect(warn).not.toHaveBeenCalled();
  });

  it('gives up after retries + 1 attempts with the last reason, never showing the URL', async () => {
    const refused = () => pgError('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED');
    const { connect } = connectAnswers(refused(), refused(), refused(), refused());
    const { log, warn } = fakeLog();
    const error = (await waitForDatabase(URL, OPTIONS, log).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error.message).toBe('The database is not reachable after 3 attempt(s): connect ECONNREFUSED 10.0.0.5:5432');
    expect(error.message).not.toContain('secret');
    expect(connect).toHaveBeenCalledTimes(3);
    expect(warn.mock.calls.map(([fields]) => fields)).toEqual([
      { attempt: 1, attempts: 3, reason: 'connect ECONNREFUSED 10.0.0.5:5432', retry_in_ms: 1 },
      { attempt: 2, attempts: 3, reason: 'connect ECONNREFUSED 10.0.0.5:5432', retry_in_ms: 1 },
    ]);
  });

  it('treats a real refused connection as not reachable (retried until the attempts are spent)', async () => {
    const port = await closedPort();
    const { log, warn } = fakeLog();
    await expect(
      waitForDatabase(`postgres://app:secret@127.0.0.1:${port}/db`, { ...OPTIONS, retries: 1 }, log),
    ).rejects.toThrow(`The database is not reachable after 2 attempt(s): connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

/** A loopback port nothing listens on (just released by a server of ours). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
