// Builds the Nest application on Fastify with everything main.ts and the e2e tests share.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { AppLogger } from './logging/logging.module.js';
import { parseTrustProxy } from './auth/auth-settings.check.js';
import { applyHttpSecurity, problemClientErrorHandler } from './auth/http-security.js';
import { installBodyRules } from './common/request-body.js';
import { requestIdFor } from './common/request-id.js';
import { createValidationPipe, RejectNulPipe, RepeatedQueryPipe } from './common/validation.js';
import { loadEnv } from './config/env.js';
import { installConnectionDrain } from './lifecycle/graceful-shutdown.js';
import { answerFrameworkError, installRequestMetrics } from './observability/http-metrics.js';
import { setupOpenApi } from './openapi.js';

export interface CreateAppOptions {
  databaseUrl: string;
  /** Extra modules (tests mount probe controllers through this). */
  imports?: AppModuleOptions['imports'];
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
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Oversized headers (e.g. a huge token) get 431 from the HTTP parser before any work is done.
    ...({ http: { maxHeaderSize: env.HTTP_MAX_HEADER_BYTES } } as object),
    clientErrorHandler: problemClientErrorHandler,
    // The router's 414 (path parameter over maxParamLength) and 400 (malformed URL) run no hook; this
    // counts them in the request metrics. It replaces Nest's default, which differs only in also running
    // Nest's own security-headers hook, unused here (helmet sets the headers).
    frameworkErrors: answerFrameworkError,
    trustProxy: parseTrustProxy(env.TRUST_PROXY) as boolean | string[], // a hop count (number) works too
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // The JSON parser is ours (installBodyRules); no form parser: the API speaks JSON, a form is a 415.
    bodyParser: false,
  });
  app.useLogger(new AppLogger(app.get(Logger)));
  app.useGlobalPipes(new RejectNulPipe(), new RepeatedQueryPipe(), createValidationPipe());
  // No app.enableShutdownHooks(): with no signals it listens to all of them and closes at once.
  // SIGTERM/SIGINT are handled by src/lifecycle/graceful-shutdown.ts (drain first, then app.close()).

  const fastify = app.getHttpAdapter().getInstance();
  // JSON bodies only unless a route registers its own parser (CSV, GeoJSON): text/plain is a 415.
  fastify.removeContentTypeParser('text/plain');
  installBodyRules(fastify);
  installConnectionDrain(app);
  // Every response counted once: this edge half and RequestMetricsInterceptor (see http-metrics.ts).
  installRequestMetrics(app);
  await applyHttpSecurity(app, env);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  setupOpenApi(app);
  await app.init();
  return app;
}
