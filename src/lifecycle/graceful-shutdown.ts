// The shutdown sequence Kubernetes needs: not-ready at once (liveness stays up), keep serving while
// endpoints deregister, then stop accepting, let in-flight requests finish, close the pool and the
// embedded database, exit 0.
import type { Server } from 'node:http';
import type { INestApplication, LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ShutdownState } from './shutdown-state.js';

export interface ShutdownTimings {
  /** How long to keep serving after the signal (readiness 503) before closing: SHUTDOWN_DELAY_MS. */
  delayMs: number;
  /** How long in-flight requests may take once the server stopped accepting: SHUTDOWN_GRACE_MS. */
  graceMs: number;
  /** Extra time for closing the app and the database before the process is ended regardless. */
  closeTimeoutMs?: number;
}

export interface ShutdownSteps {
  app: INestApplication;
  logger: LoggerService;
  timings: ShutdownTimings;
  /**
   * Runs once the main server has drained, before the app (and its database pools) close: other
   * listeners of the process (the management port) stop here, so nothing reaches a closed pool.
   */
  beforeClose?: () => Promise<void>;
  /** Runs after the app closed (e.g. stop the embedded database). */
  afterClose?: () => Promise<void>;
  exit?: (code: number) => void;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 15_000;

export function installSignalHandlers(steps: ShutdownSteps): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      steps.logger.warn?.(`${signal} again during shutdown; still draining`, 'Shutdown');
      return;
    }
    started = true;
    void gracefulShutdown(signal, steps);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/**
 * Responses sent once the server stopped accepting carry `Connection: close`, so a keep-alive client
 * does not hold the shutdown open by keeping its connection. Call before the app is initialised.
 */
export function installConnectionDrain(app: NestFastifyApplication): void {
  const state = app.get(ShutdownState);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      if (state.closing && request.raw.httpVersionMajor < 2) void reply.header('connection', 'close');
    });
}

export async function gracefulShutdown(signal: string, steps: ShutdownSteps): Promise<void> {
  const { app, logger, timings } = steps;
  const exit = steps.exit ?? ((code: number) => process.exit(code));
  const state = app.get(ShutdownState);
  let code = 0;

  // Whatever hangs below (a database that does not answer, a stuck hook), the process ends.
  const hardLimitMs = timings.delayMs + timings.graceMs + (timings.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
  const watchdog = setTimeout(() => {
    logger.error(`Shutdown did not finish within ${hardLimitMs} ms; exiting`, undefined, 'Shutdown');
    exit(1);
  }, hardLimitMs);

  state.startDraining();
  logger.log(
    `${signal} received: readiness is now 503; serving ${timings.delayMs} ms more so endpoints deregister`,
    'Shutdown',
  );
  await sleep(timings.delayMs);

  const server = app.getHttpServer() as Server;
  state.startClosing();
  logger.log(`Stopped accepting connections; waiting up to ${timings.graceMs} ms for in-flight requests`, 'Shutdown');
  const drained = await stopAccepting(server, timings.graceMs);
  if (!drained) {
    logger.warn?.('Grace period over; closed the connections still open', 'Shutdown');
  }

  try {
    await steps.beforeClose?.();
  } catch (error) {
    code = 1;
    logger.error(`Error before close: ${(error as Error).message}`, undefined, 'Shutdown');
  }
  try {
    await app.close();
  } catch (error) {
    code = 1;
    logger.error(`Error while closing the application: ${(error as Error).message}`, undefined, 'Shutdown');
  }
  try {
    await steps.afterClose?.();
  } catch (error) {
    code = 1;
    logger.error(`Error after close: ${(error as Error).message}`, undefined, 'Shutdown');
  }
  clearTimeout(watchdog);
  logger.log(`Shutdown complete (exit ${code})`, 'Shutdown');
  exit(code);
}

/**
 * Closes the listening socket and resolves once every connection has ended: idle keep-alive
 * connections are closed at once and whenever one becomes idle; requests in flight finish. After
 * `graceMs` the remaining connections are cut. Resolves true when everything finished in time.
 */
export function stopAccepting(server: Server, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let inTime = true;
    if (!server.listening) {
      resolve(true);
      return;
    }
    const sweeper = setInterval(() => server.closeIdleConnections(), 200);
    const grace = setTimeout(() => {
      inTime = false;
      server.closeAllConnections();
    }, graceMs);
    server.close(() => {
      clearInterval(sweeper);
      clearTimeout(grace);
      resolve(inTime);
    });
    server.closeIdleConnections();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
