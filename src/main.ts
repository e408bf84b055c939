// Entry point: validate config, find or start the database, build the app, load demo data, listen, drain on signals.
import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { createApp } from './app.factory.js';
import { loadEnvOrReport } from './config/env.js';
import { resolveDatabase } from './database/resolve-database.js';
import { DatabaseUnavailableError } from './database/wait-for-database.js';
import { installSignalHandlers } from './lifecycle/graceful-shutdown.js';
import { printBanner } from './lifecycle/banner.js';
import { runStartupTasks } from './lifecycle/startup-tasks.js';
import { ManagementServer } from './observability/management-server.js';

async function bootstrap(): Promise<void> {
  const env = loadEnvOrReport();
  if (!env) process.exit(1);

  const database = await resolveDatabase(env);
  let app;
  try {
    app = await createApp({ databaseUrl: database.url });
  } catch (error) {
    await database.embedded?.stop();
    throw error;
  }
  const logger = app.get(Logger);
  let management: ManagementServer | undefined = undefined; // set once listening
  installSignalHandlers({
    app,
    logger,
    timings: { delayMs: env.SHUTDOWN_DELAY_MS, graceMs: env.SHUTDOWN_GRACE_MS },
    beforeClose: async () => {
      await management?.close();
    },
    afterClose: async () => {
      await database.embedded?.stop();
    },
  });
  await runStartupTasks(app);
  await app.listen({ port: env.PORT, host: env.HOST });
  // MANAGEMENT_PORT: /metrics and the probes also on a port the Ingress does not expose.
  management = await ManagementServer.start(app, env.MANAGEMENT_PORT, env.HOST);
  await printBanner(app);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof DatabaseUnavailableError) {
    process.stderr.write(`TerraFusion API failed to start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `TerraFusion API failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
