// Security headers (helmet) and CORS, registered before any route so they cover every response.
import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, problemType } from '../common/problem.js';
import type { Env } from '../config/env.schema.js';
import { parseCorsOrigins } from './auth-settings.check.js';

export async function applyHttpSecurity(app: NestFastifyApplication, env: Env): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Swagger UI at /docs: its bundle and init script are same-origin files, its styles are inline.
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // The API is called cross-origin only when CORS_ORIGINS says so; CORP must not block those callers.
    crossOriginResourcePolicy: { policy: env.CORS_ORIGINS ? 'cross-origin' : 'same-origin' },
  });
  const origins = env.CORS_ORIGINS ? parseCorsOrigins(env.CORS_ORIGINS) : undefined;
  if (origins !== undefined) {
    app.enableCors({
      origin: origins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-ID'],
      exposedHeaders: ['X-Request-ID', 'Location', 'Retry-After', 'Content-Disposition', 'WWW-Authenticate'],
      credentials: false,
      maxAge: 600,
    });
  }
}

/**
 * The status problemClientErrorHandler answers a parser error with, or undefined when it writes nothing
 * (the client is gone). Request metrics count the answer with it, before the handler runs.
 */
export function clientErrorStatus(error: NodeJS.ErrnoException, socket: Duplex): number | undefined {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return undefined;
  return error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
}

const CLIENT_ERRORS: Record<number, [title: string, code: string, detail: string]> = {
  431: [
    'Request Header Fields Too Large',
    'headers-too-large',
    'The request headers are larger than this service accepts.',
  ],
  408: ['Request Timeout', 'request-timeout', 'The request was not received in time.'],
  400: ['Bad Request', 'bad-request', 'The request is not valid HTTP.'],
};

/**
 * Fastify `clientErrorHandler`: errors the HTTP parser raises before any route runs (oversized headers,
 * malformed requests, header timeouts) answered as problem+json like everything else.
 */
export function problemClientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  const status = clientErrorStatus(error, socket);
  if (status !== undefined) {
    const [title, code, detail] = CLIENT_ERRORS[status];
    const body = JSON.stringify({ type: problemType(code), title, status, detail });
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  if (error.code !== 'ECONNRESET' && !socket.destroyed) socket.destroy(error);
}
