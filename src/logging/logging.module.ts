// Structured JSON logs (pino) with request id, method, route, status and duration; pretty on a terminal in development.
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { loadEnv } from '../config/env.js';

export function usePrettyLogs(): boolean {
  const env = loadEnv();
  if (env.LOG_FORMAT === 'json') return false;
  if (env.LOG_FORMAT === 'pretty') return true;
  return env.NODE_ENV === 'development' && process.stdout.isTTY === true;
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      useFactory: () => {
        const env = loadEnv();
        return {
          pinoHttp: {
            level: env.LOG_LEVEL,
            // Fastify already assigned the id (X-Request-ID or generated); reuse it.
            genReqId: (req) => (req as unknown as { id: string }).id,
            customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
            customProps: (req) => ({
              route: (req as unknown as { routeOptions?: { url?: string } }).routeOptions?.url ?? 'unmatched',
            }),
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, url: stripQuery(req.url) }),
              res: (res: { statusCode: number }) => ({ status_code: res.statusCode }),
            },
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.secret'],
              censor: '[redacted]',
            },
            autoLogging: {
              ignore: (req) => (req.url ?? '').startsWith('/health/live'),
            },
            customSuccessMessage: (req, res) => `${req.method} ${stripQuery(req.url ?? '')} ${res.statusCode}`,
            customErrorMessage: (req, res) => `${req.method} ${stripQuery(req.url ?? '')} ${res.statusCode}`,
            transport: usePrettyLogs()
              ? {
                  target: 'pino-pretty',
                  options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
                }
              : undefined,
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}

/** Query strings can carry tokens or personal data; logs keep only the path. */
function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : url.slice(0, i);
}
