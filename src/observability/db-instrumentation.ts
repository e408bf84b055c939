// db_query_duration_seconds{operation} at the driver: every statement TypeORM (or a repository's raw
// SQL, COPY streams included) sends through the application pool is timed on its pg client. The label
// is the SQL verb only — never statement text.
import type { DbOperation } from './metric-names.js';

/** The part of a node-postgres Pool this module touches. */
export interface PgPoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  on(event: 'connect', listener: (client: PgClientLike) => void): unknown;
  /** Open clients (pg-pool internal); used only to instrument connections opened before us. */
  _clients?: PgClientLike[];
}

export interface PgClientLike {
  query: (...args: unknown[]) => unknown;
}

const INSTRUMENTED = Symbol('tf.dbMetrics');
const VERBS: Record<string, DbOperation> = {
  select: 'select',
  insert: 'insert',
  update: 'update',
  delete: 'delete',
  copy: 'copy',
};

/** The statement's verb (leading comments and whitespace skipped); `other` for everything else. */
export function sqlOperation(text: unknown): DbOperation {
  if (typeof text !== 'string') return 'other';
  const m = /^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)*\(?\s*([A-Za-z]+)/.exec(text);
  return (m && VERBS[m[1].toLowerCase()]) || 'other';
}

export type ObserveQuery = (operation: DbOperation, seconds: number) => void;

/** Times every query of `pool`'s clients, present and future. */
export function instrumentPool(pool: PgPoolLike, observe: ObserveQuery): void {
  for (const client of pool._clients ?? []) instrumentClient(client, observe);
  pool.on('connect', (client) => instrumentClient(client, observe));
}

export function instrumentClient(client: PgClientLike, observe: ObserveQuery): void {
  const marked = client as PgClientLike & { [INSTRUMENTED]?: boolean };
  if (marked[INSTRUMENTED]) return;
  marked[INSTRUMENTED] = true;
  const original = client.query;
  client.query = function instrumentedQuery(this: unknown, ...args: unknown[]): unknown {
    const config = args[0];
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
    const operation = sqlOperation(text);
    const start = performance.now();
    let recorded = false;
    const done = () => {
      if (recorded) return;
      recorded = true;
      observe(operation, (performance.now() - start) / 1000);
    };
    const last = args.length - 1;
    if (last >= 0 && typeof args[last] === 'function') {
      const callback = args[last] as (...cbArgs: unknown[]) => unknown;
      args[last] = function (this: unknown, ...cbArgs: unknown[]) {
        done();
        return callback.apply(this, cbArgs);
      };
    }
    const result = original.apply(this, args);
    if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
      // A second, observing chain; the caller's promise is returned untouched.
      (result as PromiseLike<unknown>).then(done, done);
    } else if (result && typeof (result as { once?: unknown }).once === 'function') {
      // Submittables: COPY streams, cursors. Done when the stream ends either way.
      const emitter = result as { once: (event: string, listener: () => void) => void };
      // No 'error' listener: that would change how an unhandled stream error behaves; 'close' follows it.
      for (const event of ['end', 'finish', 'close']) emitter.once(event, done);
    }
    return result;
  };
}
