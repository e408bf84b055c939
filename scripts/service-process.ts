// The built service as a child process (node dist/src/main.js) for the benchmark and the Prometheus
// check: free ports, a private DATA_DIR, readiness wait, SIGTERM stop (which also stops the embedded
// PostgreSQL), all bounded in time.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the child has exited (at once if it already has). */
export async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(killer);
}

export interface ServiceProcess {
  baseUrl: string;
  port: number;
  env: Record<string, string>;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then SIGKILL of this child after `timeoutMs`; removes the temp DATA_DIR it created. */
  stop: (timeoutMs?: number) => Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Use this PostgreSQL instead of an embedded one under a temp DATA_DIR. */
  databaseUrl?: string;
  readyTimeoutMs?: number;
}

export async function startService(options: StartOptions = {}): Promise<ServiceProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tf-svc-'));
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    SHUTDOWN_DELAY_MS: '0',
    SHUTDOWN_GRACE_MS: '2000',
    GIT_COMMIT: gitCommit(),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    cwd: dataDir, // no stray .env from the checkout
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (timeoutMs = 20_000) => {
    await stopChild(child, timeoutMs);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop(1_000);
      throw new Error(`service exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
    }
    const ready = await fetch(`${baseUrl}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop(5_000);
      throw new Error(`service not ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${output}`);
    }
    await sleep(200);
  }
  return { baseUrl, port, env, child, output: () => output, stop };
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return '';
  }
}
