// Structured JSON logs (pino via nestjs-pino): one line per request with request id, method, route,
// status and duration; pretty on a terminal in development; never headers, bodies or query strings.
import { Injectable, Module, OnModuleInit, type LoggerService } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { InjectPinoLogger, Logger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { loadEnv } from '../config/env.js';

export function usePrettyLogs(): boolean {
  const env = loadEnv();
  if (env.LOG_FORMAT === 'json') return false;
  if (env.LOG_FORMAT === 'pretty') return true;
  return env.NODE_ENV === 'development' && process.stdout.isTTY === true;
}

/** pino-pretty's settings for a terminal: one line per entry, local time, no pid/hostname. */
export const PRETTY_LOG_OPTIONS = { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' };

/** Nest's start-up chatter (a line per module and per route): debug, so `npm start` shows what matters. */
const FRAMEWORK_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/** The app's logger: pino, with Nest's own info lines about modules and routes at debug. */
export class AppLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) this.pino.debug(message, ...params);
    else this.pino.log(message, ...params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.pino.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.pino.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.pino.debug(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.pino.verbose(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.pino.fatal(message, ...params);
  }
}

/** Paths not logged per request: liveness is probed every few seconds and says nothing. */
const QUIET_PATHS = new Set(['/health/live']);

export interface RequestLogLine {
  request_id: string;
  method: string;
  /** The route template (`/api/v1/counties/:county_id`), or `unmatched`. */
  route: string;
  /** The path without its query string (query strings can carry tokens). */
  path: string;
  status: number;
  duration_ms: number;
}

/**
 * Logs every response once it is sent, from a Fastify hook: it sees every request, including
 * unknown routes, body errors and guard rejections, and knows the route template.
 */
@Injectable()
export class RequestLogger implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectPinoLogger('http') private readonly logger: PinoLogger,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    fastify.addHook('onResponse', async (request, reply) => {
      const path = stripQuery(request.url);
      if (QUIET_PATHS.has(path)) return;
      const line: RequestLogLine = {
        request_id: request.id,
        method: request.method,
        route: request.routeOptions?.url ?? 'unmatched',
        path,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      };
      const message = `${line.method} ${line.path} ${line.status} ${Math.round(line.duration_ms)}ms`;
      // A probe's 503 (starting, draining, database down) is the answer it exists to give, not a fault.
      if (line.status >= 500 && !(line.status === 503 && line.route.startsWith('/health'))) {
        this.logger.error(line, message);
      } else this.logger.info(line, message);
    });
  }
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      useFactory: () => {
        const env = loadEnv();
        return {
          pinoHttp: {
            level: env.LOG_LEVEL,
            // Requests are logged by RequestLogger (a Fastify hook), once each.
            autoLogging: false,
            quietReqLogger: true,
            customAttributeKeys: { reqId: 'request_id' },
            genReqId: (req) => (req as unknown as { id?: string }).id ?? '',
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, path: stripQuery(req.url) }),
              res: (res: { statusCode: number }) => ({ status: res.statusCode }),
            },
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'headers.authorization',
                '*.password',
                '*.token',
                '*.secret',
              ],
              censor: '[redacted]',
            },
            transport: usePrettyLogs() ? { target: 'pino-pretty', options: PRETTY_LOG_OPTIONS } : undefined,
          },
        };
      },
    }),
  ],
  providers: [RequestLogger],
})
export class LoggingModule {}

/** Query strings can carry tokens or personal data; logs keep only the path. */
export function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : url.slice(0, i);
}
