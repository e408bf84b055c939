// Builds the Nest application on Fastify with everything main.ts and the e2e tests share.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { requestIdFor } from './common/request-id.js';
import { createValidationPipe } from './common/validation.js';
import { loadEnv } from './config/env.js';
import { setupOpenApi } from './openapi.js';

export interface CreateAppOptions {
  databaseUrl: string;
  /** Silence Nest's bootstrap logs (tests). */
  quiet?: boolean;
}

export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const env = loadEnv();
  const adapter = new FastifyAdapter({
    bodyLimit: env.BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    requestIdHeader: false,
    // Keep-alive sockets are closed once idle during shutdown; in-flight requests finish.
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    maxParamLength: 200,
    routerOptions: { ignoreTrailingSlash: true },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks([]); // signals are handled by main.ts (drain first), not by Nest.

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  setupOpenApi(app);
  await app.init();
  return app;
}
