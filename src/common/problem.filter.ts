// Maps every error (ours, Nest's, Fastify's) to problem+json; unknown errors become a logged, generic 500.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { moduleOfRoute } from '../logging/log-fields.js';
import { recordProblem } from '../observability/problem-metrics.js';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemType, type ProblemBody } from './problem.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

const CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  431: 'headers-too-large',
  500: 'internal-error',
  501: 'not-implemented',
  503: 'service-unavailable',
};

/** Fastify's own errors carry a statusCode and an FST_ code; their messages are safe and useful. */
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

export interface ProblemInfo {
  status: number;
  body: ProblemBody;
  headers: Record<string, string>;
  /** The error to log when the status is 5xx. */
  internal?: unknown;
}

/** A Fastify error the filter passes on with its own 4xx status (body parsing, content type, …). */
function isFastifyClientError(exception: unknown): exception is FastifyLikeError & { statusCode: number } {
  const fst = exception as FastifyLikeError | null | undefined;
  return (
    typeof fst?.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500 && typeof fst.code === 'string'
  );
}

/**
 * The status the filter answers `exception` with. The request-metrics interceptor records a failed
 * handler with it before the filter runs, so both take it from here and cannot disagree.
 */
export function problemStatus(exception: unknown): number {
  if (exception instanceof ProblemException) return exception.statusCode;
  if (exception instanceof HttpException) return exception.getStatus();
  if (isFastifyClientError(exception)) return exception.statusCode;
  return 500;
}

export function toProblem(exception: unknown, request: { id?: string; url?: string }): ProblemInfo {
  const requestId = request.id;
  const status = problemStatus(exception);
  if (exception instanceof ProblemException) {
    return {
      status,
      headers: exception.headers,
      body: {
        type: problemType(exception.code),
        title: exception.title,
        status,
        detail: exception.detail,
        request_id: requestId,
        ...exception.extra,
      },
      internal: status >= 500 ? exception : undefined,
    };
  }
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    let detail = exception.message;
    if (typeof response === 'object' && response !== null) {
      const message = (response as { message?: unknown }).message;
      if (Array.isArray(message)) detail = message.join('; ');
      else if (typeof message === 'string') detail = message;
    }
    // Nest wraps Fastify's own 4xx errors (body parsing, content type) with the original as cause.
    const cause = (exception as { cause?: unknown }).cause as FastifyLikeError | undefined;
    if (status < 500 && typeof cause?.code === 'string' && cause.code.startsWith('FST_')) {
      detail = describeFastifyError(cause);
    }
    if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(detail)) {
      detail = `No route matches ${detail.replace(/^Cannot /, '')}.`;
    }
    return {
      status,
      headers: {},
      body: {
        type: problemType(CODES[status] ?? `http-${status}`),
        title: TITLES[status] ?? 'Error',
        status,
        detail: status >= 500 ? 'An unexpected error occurred.' : detail,
        request_id: requestId,
      },
      internal: status >= 500 ? exception : undefined,
    };
  }
  if (isFastifyClientError(exception)) {
    return {
      status,
      headers: {},
      body: {
        type: problemType(CODES[status] ?? `http-${status}`),
        title: TITLES[status] ?? 'Error',
        status,
        detail: describeFastifyError(exception),
        request_id: requestId,
      },
    };
  }
  return {
    status,
    headers: {},
    body: {
      type: problemType('internal-error'),
      title: TITLES[500],
      status: 500,
      detail: 'An unexpected error occurred. Quote the request_id when reporting it.',
      request_id: requestId,
    },
    internal: exception,
  };
}

function describeFastifyError(e: FastifyLikeError): string {
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type for this route. Send application/json (or text/csv / application/geo+json for imports).';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is larger than this route accepts.';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The body is empty but Content-Type says application/json. Send a JSON document.';
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return 'A path parameter is longer than this service accepts (200 characters); check the URL.';
    case 'FST_ERR_BAD_URL':
      return 'The URL is not valid (check its percent-encoding).';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'Content-Length does not match the body.';
    default:
      if (e.message && /JSON/i.test(e.message)) {
        return `The body is not valid JSON: ${e.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'$/, 'check quoting and commas')}.`;
      }
      return e.message ?? 'The request could not be processed.';
  }
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(exception, request);
    recordProblem(problem.status, request);
    if (problem.internal !== undefined) {
      const route = request.routeOptions?.url ?? 'unmatched';
      this.logger.error(
        {
          err: problem.internal,
          request_id: request.id,
          route,
          module: moduleOfRoute(route),
          ...(request.user?.sub ? { user_id: request.user.sub } : {}),
        },
        `Unhandled error on ${request.method} ${route}`,
      );
    }
    if (reply.sent) return;
    void reply
      .status(problem.status)
      .headers({ ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE })
      .send(JSON.stringify(problem.body));
  }
}
