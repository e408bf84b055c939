// Request metrics of every request that reaches a handler, ended when the handler has its answer; the
// Fastify edge hooks of http-metrics.ts open the ticket and count what never gets here (see there).
// Registered globally (APP_INTERCEPTOR) by ObservabilityModule when METRICS_HTTP_ENABLED is on. Global
// interceptors are the outermost ones, so an error seen here is the one ProblemFilter receives.
import {
  Injectable,
  StreamableFile,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { tap, type Observable, type TapObserver } from 'rxjs';
import { problemStatus } from '../common/problem.filter.js';
import { openTicket } from './http-metrics.js';
import { MetricsService, type HttpTicket } from './metrics.service.js';

@Injectable()
export class RequestMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // getArgByIndex, not switchToHttp(), which builds three closures per call.
    const ticket = context.getType() === 'http' ? openTicket(context.getArgByIndex(0)) : undefined;
    // No ticket: a transport the edge hooks do not see, or the client already left (499 recorded).
    if (!ticket) return next.handle();
    return next.handle().pipe(tap(new HandlerOutcome(this.metrics, ticket, context.getArgByIndex<FastifyReply>(1))));
  }
}

/** Ends the ticket of one request; one object per request instead of a closure per callback. */
class HandlerOutcome implements Partial<TapObserver<unknown>> {
  private streamed = false;

  constructor(
    private readonly metrics: MetricsService,
    private readonly ticket: HttpTicket,
    private readonly reply: FastifyReply,
  ) {}

  next(value: unknown): void {
    if (isStreamingBody(value)) this.streamed = true;
  }

  complete(): void {
    // A stream, or an answer the handler already started writing itself (@Res(), e.g. the GIS download),
    // is still being sent: the edge ends it when the response finished or its client left.
    if (this.streamed || this.reply.raw.headersSent) return;
    this.metrics.httpEnd(this.ticket, this.reply.statusCode);
  }

  error(error: unknown): void {
    // Once headers are out, the filter can no longer answer: what the client got is the edge's to record.
    if (this.reply.raw.headersSent) return;
    this.metrics.httpEnd(this.ticket, problemStatus(error));
  }
}

/** What Nest sends as a stream: a StreamableFile, a web Response, or an async iterable (Node/web streams). */
function isStreamingBody(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof StreamableFile || value instanceof Response) return true;
  const v = value as { [Symbol.asyncIterator]?: unknown; then?: unknown };
  // An async iterable that is also a thenable (a lazy query) stands for what it resolves to, as in Nest.
  return typeof v[Symbol.asyncIterator] === 'function' && typeof v.then !== 'function';
}
