import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { instrumentClient, instrumentPool, sqlOperation, type PgClientLike } from './db-instrumentation.js';

describe('db instrumentation', () => {
  it('labels statements by their verb only', () => {
    expect(sqlOperation('SELECT 1')).toBe('select');
    expect(sqlOperation('  -- note\n/* c */ insert into t values (1)')).toBe('insert');
    expect(sqlOperation('(select 1) union (select 2)')).toBe('select');
    expect(sqlOperation('UPDATE t SET a = 1')).toBe('update');
    expect(sqlOperation('delete from t')).toBe('delete');
    expect(sqlOperation('COPY t FROM STDIN')).toBe('copy');
    expect(sqlOperation('WITH x AS (SELECT 1) SELECT * FROM x')).toBe('other');
    expect(sqlOperation('BEGIN')).toBe('other');
    expect(sqlOperation(undefined)).toBe('other');
  });

  it('times promise, callback and stream queries once each, without changing results', async () => {
    const seen: string[] = [];
    const stream = new EventEmitter();
    const client: PgClientLike = {
      query: (...args: unknown[]) => {
        const cfg = args[0] as { text?: string; submit?: unknown } | string;
        if (typeof cfg === 'object' && cfg.submit) return cfg;
        const cb = args.find((a) => typeof a === 'function') as ((e: unknown, r: unknown) => void) | undefined;
        if (cb) {
          setImmediate(() => cb(null, { rows: [2] }));
          return undefined;
        }
        return cfg === 'SELECT boom' ? Promise.reject(new Error('boom')) : Promise.resolve({ rows: [1] });
      },
    };
    instrumentClient(client, (op) => seen.push(op));
    instrumentClient(client, (op) => seen.push('twice:' + op)); // idempotent
    await expect(client.query('SELECT 1')).resolves.toEqual({ rows: [1] });
    await expect(client.query('SELECT boom')).rejects.toThrow('boom');
    await new Promise<void>((resolve) => client.query('INSERT INTO t VALUES (1)', [], () => resolve()));
    const copy = Object.assign(stream, { text: 'COPY t FROM STDIN', submit: () => undefined });
    expect(client.query(copy)).toBe(copy);
    stream.emit('finish');
    stream.emit('close');
    expect(seen).toEqual(['select', 'select', 'insert', 'copy']);
  });

  it('instruments the clients a pool already has and every new one', () => {
    const seen: string[] = [];
    const make = (): PgClientLike => ({ query: () => Promise.resolve() });
    const existing = make();
    const pool = Object.assign(new EventEmitter(), {
      totalCount: 1,
      idleCount: 1,
      waitingCount: 0,
      _clients: [existing],
    });
    instrumentPool(pool, (op) => seen.push(op));
    const later = make();
    pool.emit('connect', later);
    void existing.query('delete from t');
    void later.query('update t set a = 1');
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        expect(seen.sort()).toEqual(['delete', 'update']);
        resolve();
      }),
    );
  });
});
