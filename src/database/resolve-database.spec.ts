// Database URL resolution: an external DATABASE_URL (waited for with the connect settings) or the embedded
// server's database under DATA_DIR.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { resolve } from 'node:path';
import pg from 'pg';
import type { Env } from '../config/env.schema.js';
import { embeddedUrl } from './embedded-postgres.js';
import { databasePlan, EMBEDDED_DATABASE_NAME, resolveDatabase } from './resolve-database.js';
import { DatabaseUnavailableError } from './wait-for-database.js';

const SETTINGS = {
  DATABASE_URL: undefined as string | undefined,
  DATABASE_CONNECT_RETRIES: 7,
  DATABASE_CONNECT_RETRY_DELAY_MS: 250,
  DATABASE_CONNECT_TIMEOUT_MS: 4000,
  DATA_DIR: '/var/lib/terrafusion',
  EMBEDDED_PG_PORT: 55001,
  LOG_LEVEL: 'silent',
};

afterEach(() => {
  jest.restoreAllMocks();
});

describe('databasePlan', () => {
  it('uses DATABASE_URL when set, waited for with the connect settings', () => {
    expect(databasePlan({ ...SETTINGS, DATABASE_URL: 'postgres://app@db:5432/tf' })).toEqual({
      kind: 'external',
      url: 'postgres://app@db:5432/tf',
      wait: { retries: 7, delayMs: 250, connectTimeoutMs: 4000 },
    });
  });

  it('falls back to the embedded server in DATA_DIR/postgres (a relative DATA_DIR from the working directory)', () => {
    expect(databasePlan(SETTINGS)).toEqual({
      kind: 'embedded',
      server: { dataDir: '/var/lib/terrafusion/postgres', port: 55001 },
      database: 'terrafusion',
    });
    expect(databasePlan({ ...SETTINGS, DATA_DIR: '.data', DATABASE_URL: '' })).toMatchObject({
      kind: 'embedded',
      server: { dataDir: resolve('.data', 'postgres') },
    });
  });

  it("names the embedded server's database and URL", () => {
    expect(EMBEDDED_DATABASE_NAME).toBe('terrafusion');
    expect(embeddedUrl(55001, EMBEDDED_DATABASE_NAME)).toBe('postgres://postgres:postgres@127.0.0.1:55001/terrafusion');
    expect(embeddedUrl(55001)).toBe('postgres://postgres:postgres@127.0.0.1:55001/postgres');
  });
});

describe('resolveDatabase with DATABASE_URL', () => {
  const env = { ...SETTINGS, DATABASE_URL: 'postgres://app@db.invalid:5432/tf' } as unknown as Env;

  it('answers the URL once the database accepts a connection (no embedded server)', async () => {
    const connect = jest.spyOn(pg.Client.prototype, 'connect').mockImplementation((async () => undefined) as never);
    jest.spyOn(pg.Client.prototype, 'query').mockImplementation((async () => ({ rows: [] })) as never);
    jest.spyOn(pg.Client.prototype, 'end').mockImplementation((async () => undefined) as never);
    await expect(resolveDatabase(env)).resolves.toEqual({ url: 'postgres://app@db.invalid:5432/tf' });
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('fails start-up when the database refuses the credentials', async () => {
    jest.spyOn(pg.Client.prototype, 'connect').mockImplementation((async () => {
      throw Object.assign(new Error('database "tf" does not exist'), { code: '3D000' });
    }) as never);
    jest.spyOn(pg.Client.prototype, 'end').mockImplementation((async () => undefined) as never);
    await expect(resolveDatabase(env)).rejects.toEqual(
      new DatabaseUnavailableError('The database refused the connection: database "tf" does not exist (3D000)'),
    );
  });
});
