// Request metrics at the edge: http_requests_total, http_request_duration_seconds, http_requests_in_flight.
//
// Design: Fastify hooks, not a Nest interceptor. Nest runs guards before interceptors and exception
// filters after them, so an interceptor never sees a 401/403/429 from a guard, nor the status a filter
// finally writes, nor requests that match no route or fail body parsing. Fastify's `onRequest` runs for
// every request (the 404 handler included) and `onResponse` runs once the response has been written,
// with `reply.statusCode` being exactly what the client received. One pair of hooks on the root
// instance, registered once by createApp(), covers every route with no per-controller code.
// - route = `request.routeOptions.url`, the template Fastify matched (`/counties/:county_id`);
//   undefined for the 404 handler → "unmatched"; more than MAX_ROUTES templates → "other".
// - A client that disconnects before its response finished is counted once with status_code "499" (the
//   nginx convention), so in-flight never leaks and nothing is counted twice. An HTTP/1 client aborts by
//   closing its connection, so this listens once per connection, not once per request: Fastify's
//   onRequestAbort hook adds a 'close' listener to every request, which cost ~10 % of the throughput of a
//   cheap route (`npm run bench:http`).
// - Probes and /metrics are counted like any route (labelled with their templates): a bounded handful
//   of series, and a scrape or probe storm shows up where an SRE would look for it.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { loadEnv } from '../config/env.js';
import { MetricsService, type HttpTicket } from './metrics.service.js';

const TICKET = Symbol('tf.httpMetrics');
const OPEN = Symbol('tf.httpMetrics.open');
/** Status recorded for requests whose client went away before the response finished. */
export const CLIENT_CLOSED_REQUEST = 499;

type Tracked = FastifyRequest & { [TICKET]?: HttpTicket };
/** A connection with the tickets of its requests still being answered. */
type TrackedSocket = Socket & { [OPEN]?: Set<HttpTicket> };

function installHttpMetrics(app: NestFastifyApplication, metrics: MetricsService): void {
  const fastify = app.getHttpAdapter().getInstance();
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
}

/** createApp() calls this once, before app.init(); METRICS_HTTP_ENABLED=false leaves requests unmeasured. */
export function installRequestMetrics(app: NestFastifyApplication): void {
  if (!loadEnv().METRICS_HTTP_ENABLED) return;
  installHttpMetrics(app, app.get(MetricsService));
}
