// RFC 9457 problem details: the one error body of the API, and the domain exceptions that map to it.
import { HttpException } from '@nestjs/common';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://terrafusion.dev/problems/';

/** Stable problem `type` URIs by code. */
export function problemType(code: string): string {
  return TYPE_BASE + code;
}

/**
 * A failure a client can act on (or a 5xx we mean to expose). `code` is stable and becomes the
 * problem type; `extra` adds members to the body (e.g. the current job status on a 409).
 */
export class ProblemException extends HttpException {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super({ code, title, detail, ...extra }, statusCode);
  }
}

export class ValidationProblem extends ProblemException {
  constructor(errors: FieldError[], detail = 'The request has invalid fields; see errors.') {
    super(400, 'validation-failed', 'Validation failed', detail, { errors });
  }
}

export class NotFoundProblem extends ProblemException {
  constructor(what: string, detail?: string) {
    super(404, 'not-found', 'Not Found', detail ?? `${what} was not found.`);
  }
}
