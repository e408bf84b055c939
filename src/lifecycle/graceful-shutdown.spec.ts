import { describe, expect, it } from '@jest/globals';
import { createServer, request, type Server } from 'node:http';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { gracefulShutdown } from './graceful-shutdown.js';
import { ShutdownState } from './shutdown-state.js';

const quiet: LoggerService = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function listening(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

function fakeApp(server: Server, state: ShutdownState, close: () => Promise<void>, events: string[]) {
  return {
    get: () => state,
    getHttpServer: () => server,
    close: async () => {
      events.push('app.close');
      await close();
    },
  } as unknown as INestApplication;
}

describe('gracefulShutdown', () => {
  it('drains first, waits for the request in flight, stops the other listeners, closes the app, then the database, exit 0', async () => {
    const events: string[] = [];
    const { server, port } = await listening((_req, res) => {
      setTimeout(() => res.end('done'), 300);
    });
    const state = new ShutdownState();
    const answer = new Promise<string>((resolve, reject) => {
      request({ port, host: '127.0.0.1', path: '/' }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          events.push('response');
          resolve(text);
        });
      })
        .on('error', reject)
        .end();
    });
    await new Promise((r) => setTimeout(r, 50));
    let exitCode: number | undefined;
    const done = gracefulShutdown('SIGTERM', {
      app: fakeApp(server, state, async () => undefined, events),
      logger: quiet,
      timings: { delayMs: 100, graceMs: 5000 },
      beforeClose: async () => {
        events.push('beforeClose');
      },
      afterClose: async () => {
        events.push('afterClose');
      },
      exit: (code) => {
        exitCode = code;
      },
    });
    expect(state.draining).toBe(true);
    expect(state.closing).toBe(false);
    await done;
    expect(await answer).toBe('done');
    expect(state.closing).toBe(true);
    expect(events).toEqual(['response', 'beforeClose', 'app.close', 'afterClose']);
    expect(exitCode).toBe(0);
    expect(server.listening).toBe(false);
  });

  it('cuts connections still busy when the grace period ends', async () => {
    const { server, port } = await listening(() => undefined); // never answers
    const failed = new Promise<string>((resolve) => {
      request({ port, host: '127.0.0.1', path: '/' })
        .on('error', (e) => resolve(e.message))
        .end();
    });
    await new Promise((r) => setTimeout(r, 50));
    let exitCode: number | undefined;
    const started = Date.now();
    await gracefulShutdown('SIGTERM', {
      app: fakeApp(server, new ShutdownState(), async () => undefined, []),
      logger: quiet,
      timings: { delayMs: 0, graceMs: 200 },
      exit: (code) => {
        exitCode = code;
      },
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await failed).toMatch(/socket hang up|ECONNRESET/);
    expect(exitCode).toBe(0);
  });

  it('ends the process with exit 1 when closing hangs (e.g. a database that does not answer)', async () => {
    const { server } = await listening(() => undefined);
    const codes: number[] = [];
    void gracefulShutdown('SIGTERM', {
      app: fakeApp(server, new ShutdownState(), () => new Promise(() => undefined), []),
      logger: quiet,
      timings: { delayMs: 0, graceMs: 100, closeTimeoutMs: 200 },
      exit: (code) => codes.push(code),
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(codes).toEqual([1]);
  });

  it('exits 1 when closing fails', async () => {
    const { server } = await listening(() => undefined);
    let exitCode: number | undefined;
    await gracefulShutdown('SIGINT', {
      app: fakeApp(server, new ShutdownState(), () => Promise.reject(new Error('pool end failed')), []),
      logger: quiet,
      timings: { delayMs: 0, graceMs: 100 },
      exit: (code) => {
        exitCode = code;
      },
    });
    expect(exitCode).toBe(1);
  });
});
