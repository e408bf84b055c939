// Request metrics: http_requests_total, http_request_duration_seconds, http_requests_in_flight — the
// Fastify edge half. The other half is RequestMetricsInterceptor (request-metrics.interceptor.ts).
//
// One ticket per request, ended exactly once (MetricsService.httpEnd ignores a ticket already ended):
// - onRequest opens it (`MetricsService.httpStart`) for every request that Fastify routes, the 404
//   handler included, so in-flight counts it and a client abort can end it. Its route is
//   `request.routeOptions.url`, the template Fastify matched — the handler's own route for a request
//   that reaches one, e.g. `/api/v1/valuation/status/:job_id`; undefined for the 404 handler →
//   "unmatched"; past MAX_ROUTES templates → "other".
// - The interceptor ends it when the handler has its answer: the reply's status (Nest sets the
//   @HttpCode/default status before interceptors run; handlers may change it), or for a thrown error
//   the status ProblemFilter writes (`problemStatus`, shared with the filter). The duration is the time
//   the service took to produce the answer, not how long a slow client takes to read it.
//   A streamed answer (a stream or StreamableFile returned, or a reply the handler sent itself, like the
//   GIS download) is left open: the service works until its last byte, and a client that leaves
//   mid-stream is a 499, so the edge ends it. Trade-off: a buffered answer is counted with the handler's
//   status even if its client leaves while it is being written, or sending it fails after the handler.
// - onResponse ends it if still open, with `reply.statusCode`, exactly what the client received: guard
//   rejections (401/403/429), unmatched routes (404), body parsing (400/413/415), streamed answers.
// - A client that disconnects before its answer (or mid-stream) ends it as 499 (the nginx convention), so
//   in-flight never leaks and nothing is counted twice. An HTTP/1 client aborts by closing its
//   connection, so this listens once per connection, not once per request: Fastify's onRequestAbort
//   hook adds a 'close' listener to every request, which cost ~10 % of the throughput of a cheap route
//   (`npm run bench:http`).
// Two kinds of answer never reach the hooks, so they are counted where they are written, route
// "unmatched": Fastify's router rejections (414 for a path parameter over maxParamLength, 400 for a
// malformed URL), through the `frameworkErrors` option createApp() passes (answerFrameworkError), and
// the HTTP parser's (431 for oversized headers, 400 for malformed HTTP, 408), through a 'clientError'
// listener that runs just before problemClientErrorHandler and records the status it is about to write.
// Probes and /metrics are counted like any route (labelled with their templates): a bounded handful of
// series, and a scrape or probe storm shows up where an SRE would look for it.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientErrorStatus } from '../auth/http-security.js';
import { PROBLEM_CONTENT_TYPE } from '../common/problem.js';
import { toProblem } from '../common/problem.filter.js';
import { loadEnv } from '../config/env.js';
import { MetricsService, type HttpTicket } from './metrics.service.js';
import { recordProblem } from './problem-metrics.js';

const TICKET = Symbol('tf.httpMetrics');
const OPEN = Symbol('tf.httpMetrics.open');
const METRICS = Symbol('tf.httpMetrics.service');
/** Status recorded for requests whose client went away before the response finished. */
export const CLIENT_CLOSED_REQUEST = 499;

type Tracked = FastifyRequest & { [TICKET]?: HttpTicket };
/** A connection with the tickets of its requests still being answered. */
type TrackedSocket = Socket & { [OPEN]?: Set<HttpTicket> };
/** The Fastify instance whose requests are measured. */
type Instrumented = FastifyInstance & { [METRICS]?: MetricsService };

/** The open ticket of a request, if request metrics are on and the request has not ended yet. */
export function openTicket(request: unknown): HttpTicket | undefined {
  const ticket = (request as Tracked | undefined)?.[TICKET];
  return ticket && !ticket.done ? ticket : undefined;
}

function installHttpMetrics(app: NestFastifyApplication, metrics: MetricsService): void {
  const fastify = app.getHttpAdapter().getInstance() as Instrumented;
  fastify[METRICS] = metrics;
  fastify.addHook('onRequest', (request: Tracked, _reply: FastifyReply, done: () => void) => {
    const ticket = metrics.httpStart(request.method, request.routeOptions.url);
    request[TICKET] = ticket;
    const socket = request.raw.socket as TrackedSocket | null;
    if (socket) {
      let open = socket[OPEN];
      if (!open) {
        const tickets = new Set<HttpTicket>();
        open = socket[OPEN] = tickets;
        // httpEnd ignores tickets already ended, so a response that finished first is not counted again.
        socket.once('close', () => {
          for (const t of tickets) metrics.httpEnd(t, CLIENT_CLOSED_REQUEST);
          tickets.clear();
        });
      }
      open.add(ticket);
    }
    done();
  });
  fastify.addHook('onResponse', (request: Tracked, reply: FastifyReply, done: () => void) => {
    const ticket = request[TICKET];
    if (ticket) {
      metrics.httpEnd(ticket, reply.statusCode);
      (request.raw.socket as TrackedSocket | null)?.[OPEN]?.delete(ticket);
    }
    done();
  });
  // Prepended: problemClientErrorHandler destroys the socket, and the status depends on its state.
  fastify.server.prependListener('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A connection that ends in the middle of a request's body fails in the parser too: that request is
    // already counted, and its client is gone (499 when the socket closes).
    if ((socket as TrackedSocket)[OPEN]?.size) return;
    const status = clientErrorStatus(error, socket);
    if (status !== undefined) metrics.httpEnd(metrics.httpStart(methodOf(error), undefined), status);
  });
}

/** The method of a request the HTTP parser rejected, when the rejected bytes start with its request line. */
function methodOf(error: NodeJS.ErrnoException & { rawPacket?: unknown }): string {
  const raw = error.rawPacket;
  if (!Buffer.isBuffer(raw)) return '';
  return /^([A-Z]{3,7}) [/*]/.exec(raw.subarray(0, 10).toString('latin1'))?.[1] ?? '';
}

/**
 * Fastify's `frameworkErrors` option: the router's own rejections (FST_ERR_MAX_PARAM_LENGTH → 414,
 * FST_ERR_BAD_URL → 400) run no hook, so they are counted here and answered as problem+json with the
 * request id, like every other error.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const metrics = (request.server as Instrumented | undefined)?.[METRICS];
  if (metrics) {
    const ticket = metrics.httpStart(request.method, undefined);
    // 'close' follows 'finish' once the answer is written, and also comes alone when the client left first.
    reply.raw.once('close', () => {
      metrics.httpEnd(ticket, reply.raw.writableFinished ? reply.raw.statusCode : CLIENT_CLOSED_REQUEST);
    });
  }
  const problem = toProblem(error, request);
  recordProblem(problem.status, request);
  void reply
    .status(problem.status)
    .headers({ ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE, 'x-request-id': request.id })
    .send(JSON.stringify(problem.body));
}

/**
 * createApp() calls this once, before app.init(); METRICS_HTTP_ENABLED=false leaves requests unmeasured
 * (ObservabilityModule then registers no RequestMetricsInterceptor either).
 */
export function installRequestMetrics(app: NestFastifyApplication): void {
  if (!loadEnv().METRICS_HTTP_ENABLED) return;
  installHttpMetrics(app, app.get(MetricsService));
}
