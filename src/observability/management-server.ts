// Optional MANAGEMENT_PORT: /metrics and the probes on a second port that the Ingress never exposes, so
// a ServiceMonitor scrapes there and the public port can stay closed to it. A plain node:http server in
// the same process calling the same services (MetricsAccess, MetricsService, HealthService) — no second
// Nest app, no proxying through the public port and its rate limits.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplicationContext } from '@nestjs/common';
import { HealthService } from '../health/health.service.js';
import { ProblemException, PROBLEM_CONTENT_TYPE } from '../common/problem.js';
import { toProblem } from '../common/problem.filter.js';
import { MetricsAccess } from '../auth/metrics-access.js';
import { CLIENT_CLOSED_REQUEST } from './http-metrics.js';
import { MetricsService } from './metrics.service.js';

const ROUTES = new Set(['/metrics', '/health', '/health/live', '/health/ready', '/health/db']);

export class ManagementServer {
  private constructor(private readonly server: Server) {}

  /** Starts the server when MANAGEMENT_PORT is set; call after the main listen. */
  static async start(
    app: INestApplicationContext,
    port: number | undefined,
    host: string,
  ): Promise<ManagementServer | undefined> {
    if (port === undefined) return undefined;
    const metrics = app.get(MetricsService, { strict: false });
    const access = app.get(MetricsAccess, { strict: false });
    const health = app.get(HealthService, { strict: false });
    const server = createServer({ requestTimeout: 30_000 }, (req, res) => {
      void handle(req, res, { metrics, access, health });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new ManagementServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting, lets in-flight scrapes finish (at most 2 s), then closes what is left. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.server.closeAllConnections(), 2_000);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { metrics: MetricsService; access: MetricsAccess; health: HealthService },
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0].replace(/(.)\/+$/, '$1');
  const matched = ROUTES.has(path) ? path : undefined;
  const ticket = deps.metrics.httpStart(req.method ?? 'GET', matched);
  res.once('close', () => deps.metrics.httpEnd(ticket, res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST));
  try {
    if (!matched) throw new ProblemException(404, 'not-found', 'Not Found', `No route matches ${req.method} ${path}.`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new ProblemException(
        405,
        'method-not-allowed',
        'Method Not Allowed',
        `${matched} answers GET only.`,
        {},
        { allow: 'GET, HEAD' },
      );
    }
    if (matched === '/metrics') {
      await deps.access.check(req.headers);
      const body = await deps.metrics.render();
      return send(req, res, 200, deps.metrics.renderer.contentType, body);
    }
    if (matched === '/health/live') return send(req, res, 200, 'application/json', '{"status":"ok"}');
    if (matched === '/health/db') {
      const db = await deps.health.database();
      return send(req, res, db.status === 'up' ? 200 : 503, 'application/json', JSON.stringify(db));
    }
    if (matched === '/health') {
      const summary = await deps.health.summary();
      return send(req, res, summary.ready ? 200 : 503, 'application/json', JSON.stringify(summary.body));
    }
    const summary = await deps.health.readiness();
    return send(
      req,
      res,
      summary.ready ? 200 : 503,
      'application/json',
      JSON.stringify({ status: summary.status, checks: summary.checks }),
    );
  } catch (error) {
    const exception =
      error instanceof ProblemException
        ? error
        : new ProblemException(500, 'internal-error', 'Internal Server Error', 'An unexpected error occurred.');
    // No request id on this port: the body has no request_id.
    const problem = toProblem(exception, {});
    deps.metrics.recordError(problem.status, matched);
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    send(req, res, problem.status, PROBLEM_CONTENT_TYPE, JSON.stringify(problem.body));
  }
}

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}
