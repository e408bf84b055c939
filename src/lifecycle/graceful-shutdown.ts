// The shutdown sequence Kubernetes needs: not-ready at once, keep serving while endpoints deregister,
// then stop accepting, let in-flight requests finish, close the pool and the embedded database.
import type { INestApplication, LoggerService } from '@nestjs/common';
import { ShutdownState } from './shutdown-state.js';

export interface ShutdownTimings {
  delayMs: number;
  graceMs: number;
}

export interface ShutdownSteps {
  app: INestApplication;
  logger: LoggerService;
  timings: ShutdownTimings;
  /** Runs after the app closed (e.g. stop the embedded database). */
  afterClose?: () => Promise<void>;
  exit?: (code: number) => void;
}

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

export async function gracefulShutdown(signal: string, steps: ShutdownSteps): Promise<void> {
  const { app, logger, timings } = steps;
  const exit = steps.exit ?? ((code: number) => process.exit(code));
  let code = 0;
  app.get(ShutdownState).startDraining();
  logger.log(
    `${signal} received: readiness is now 503; serving ${timings.delayMs} ms more so endpoints deregister`,
    'Shutdown',
  );
  await sleep(timings.delayMs);
  logger.log(`Stopped accepting connections; waiting up to ${timings.graceMs} ms for in-flight requests`, 'Shutdown');
  const server = app.getHttpServer() as import('node:http').Server;
  const graceTimer = setTimeout(() => {
    logger.warn?.('Grace period over; closing remaining connections', 'Shutdown');
    server.closeAllConnections?.();
  }, timings.graceMs);
  try {
    await app.close();
  } catch (error) {
    code = 1;
    logger.error(`Error while closing the application: ${(error as Error).message}`, undefined, 'Shutdown');
  } finally {
    clearTimeout(graceTimer);
  }
  try {
    await steps.afterClose?.();
  } catch (error) {
    code = 1;
    logger.error(`Error after close: ${(error as Error).message}`, undefined, 'Shutdown');
  }
  logger.log(`Shutdown complete (exit ${code})`, 'Shutdown');
  exit(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
