// Structured JSON logs (pino via nestjs-pino): one line per request with request id, method, route,
// status, duration, user and module; every line with ISO time, level name, app, environment, version and
// the module that wrote it; pretty on a terminal in development; never headers, bodies or query strings.
import { hostname } from 'node:os';
import { Global, Injectable, Module, OnModuleInit, type LoggerService } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InjectPinoLogger, Logger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { pino, type LoggerOptions } from 'pino';
import { buildInfo } from '../common/build-info.js';
import { COUNTY_ID_PATTERN } from '../common/county-id.js';
import { loadEnv } from '../config/env.js';
import { BusinessEvents } from './business-events.js';
import { moduleOfRoute } from './log-fields.js';

export function usePrettyLogs(): boolean {
  const env = loadEnv();
  if (env.LOG_FORMAT === 'json') return false;
  if (env.LOG_FORMAT === 'pretty') return true;
  return env.NODE_ENV === 'development' && process.stdout.isTTY === true;
}

/** pino-pretty's settings for a terminal: one line per entry, local time, no pid/hostname. */
export const PRETTY_LOG_OPTIONS = { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' };

/** The name every line carries as `app`. */
export const APP_NAME = 'terrafusion-api';

/**
 * The module of a line written through a Nest Logger, from the logger's context: the feature module or
 * platform component (`jobs`, `auth`, `counties`, …). A line that names its own `module` keeps it.
 */
const CONTEXT_MODULES: Record<string, string> = {
  Jobs: 'jobs',
  JobQueue: 'jobs',
  JobsRepository: 'jobs',
  JobCallbacks: 'jobs',
  AccessGuard: 'auth',
  JwksSigningKeys: 'auth',
  RouteAccessCheck: 'auth',
  CountyImportsService: 'counties',
  SetwiseCsvImporter: 'counties',
  GisExportEngine: 'gis-export',
  ProblemFilter: 'http',
  http: 'http',
  Health: 'health',
  DatabaseProbe: 'health',
  Shutdown: 'lifecycle',
  Startup: 'lifecycle',
  DemoData: 'demo',
  Database: 'database',
  BusinessEvents: 'app',
};

export function moduleOfContext(context: unknown): string {
  if (typeof context !== 'string' || context === '') return 'app';
  return CONTEXT_MODULES[context] ?? (FRAMEWORK_CONTEXTS.has(context) ? 'nest' : 'app');
}

/**
 * pino options every logger of the service shares (the app's and the start-up logger): `app`,
 * `environment`, `version` on every line, `module` from the logger's context; in JSON, `time` as ISO 8601
 * and `level` as its name (`info`, `error`, …).
 */
export function logFormatOptions(json = !usePrettyLogs()): LoggerOptions {
  const env = loadEnv();
  const options: LoggerOptions = {
    base: {
      app: APP_NAME,
      environment: env.NODE_ENV,
      version: buildInfo().version,
      pid: process.pid,
      hostname: hostname(),
    },
    // Properties of the line itself win over the mixin's (pino's default merge order).
    mixin: (merge: object) => ({ module: moduleOfContext((merge as { context?: unknown }).context) }),
  };
  if (json) {
    options.timestamp = pino.stdTimeFunctions.isoTime;
    options.formatters = { level: (label: string) => ({ level: label }) };
  }
  return options;
}

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
  /** The feature module or platform component of the route (`valuation`, `counties`, `health`, …). */
  module: string;
  /** The token's `sub` (never the token), when the request was authenticated. */
  user_id?: string;
  /** The county the route names (path parameter, or a run body's county_id), when it is a county slug. */
  county_id?: string;
}

/** The county a request names: its `:county_id` path parameter, else a JSON body's `county_id`. */
export function countyOfRequest(request: FastifyRequest): string | undefined {
  const fromParams = (request.params as { county_id?: unknown } | undefined)?.county_id;
  const body = request.body;
  const fromBody =
    body && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body)
      ? (body as { county_id?: unknown }).county_id
      : undefined;
  const value = typeof fromParams === 'string' ? fromParams : fromBody;
  return typeof value === 'string' && COUNTY_ID_PATTERN.test(value) ? value : undefined;
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
      const route = request.routeOptions?.url ?? 'unmatched';
      const line: RequestLogLine = {
        request_id: request.id,
        method: request.method,
        route,
        path,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        module: moduleOfRoute(route),
      };
      const sub = request.user?.sub;
      if (typeof sub === 'string' && sub !== '') line.user_id = sub;
      const county = countyOfRequest(request);
      if (county) line.county_id = county;
      const message = `${line.method} ${line.path} ${line.status} ${Math.round(line.duration_ms)}ms`;
      // A probe's 503 (starting, draining, database down) is the answer it exists to give, not a fault.
      if (line.status >= 500 && !(line.status === 503 && line.route.startsWith('/health'))) {
        this.logger.error(line, message);
      } else this.logger.info(line, message);
    });
  }
}

@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({
      useFactory: () => {
        const env = loadEnv();
        return {
          pinoHttp: {
            ...logFormatOptions(),
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
  providers: [RequestLogger, BusinessEvents],
  exports: [BusinessEvents],
})
export class LoggingModule {}

/** Query strings can carry tokens or personal data; logs keep only the path. */
export function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : url.slice(0, i);
}
