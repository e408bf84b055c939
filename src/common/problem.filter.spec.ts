import { describe, expect, it, jest } from '@jest/globals';
import { BadRequestException, HttpException, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { problemStatus, ProblemFilter, toProblem } from './problem.filter.js';
import { ProblemException, ValidationProblem } from './problem.js';

const request = { id: 'req-1', url: '/x' };
const GENERIC_500 = {
  type: 'https://terrafusion.dev/problems/internal-error',
  title: 'Internal Server Error',
  status: 500,
  detail: 'An unexpected error occurred. Quote the request_id when reporting it.',
  request_id: 'req-1',
};

describe('toProblem', () => {
  it('turns an unexpected Error into a generic 500 that keeps the error for the log only', () => {
    const error = new Error('ECONNREFUSED postgres://admin:hunter2@db:5432/prod');
    const problem = toProblem(error, request);
    expect(problem.status).toBe(500);
    expect(problem.body).toEqual(GENERIC_500);
    expect(problem.internal).toBe(error);
    expect(JSON.stringify(problem.body)).not.toMatch(/hunter2|ECONNREFUSED|at /);
  });

  it('never shows the SQL, parameters or driver message of a QueryFailedError', () => {
    const driverError = Object.assign(new Error('relation "no_such_table" does not exist'), { code: '42P01' });
    const error = new QueryFailedError(
      'SELECT secret FROM no_such_table WHERE password = $1',
      ['hunter2'],
      driverError,
    );
    const problem = toProblem(error, request);
    expect(problem.status).toBe(500);
    expect(problem.body).toEqual(GENERIC_500);
    expect(JSON.stringify(problem.body)).not.toMatch(/SELECT|no_such_table|hunter2|42P01/);
  });

  it('hides the message of a 5xx HttpException', () => {
    const problem = toProblem(new InternalServerErrorException('pool exhausted at db-3'), request);
    expect(problem.status).toBe(500);
    expect(problem.body.detail).toBe('An unexpected error occurred.');
    expect(problem.internal).toBeDefined();
  });

  it('treats a 5xx error shaped like a Fastify error as unexpected', () => {
    const problem = toProblem({ statusCode: 500, code: 'FST_ERR_X', message: 'internal path /srv/app' }, request);
    expect(problem.body).toEqual(GENERIC_500);
  });

  it('keeps the message of 4xx HttpExceptions and words unknown routes', () => {
    expect(toProblem(new BadRequestException('county_id is required'), request).body).toMatchObject({
      status: 400,
      title: 'Bad Request',
      detail: 'county_id is required',
      type: 'https://terrafusion.dev/problems/bad-request',
    });
    expect(toProblem(new NotFoundException('Cannot GET /nope'), request).body.detail).toBe(
      'No route matches GET /nope.',
    );
    expect(toProblem(new HttpException('slow down', 429), request).body.title).toBe('Too Many Requests');
  });

  it('maps Fastify body errors to 400, 413 and 415', () => {
    const json = toProblem(
      { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: 'Unexpected end of JSON input' },
      request,
    );
    expect(json.status).toBe(400);
    expect(json.body.detail).toBe('The body is not valid JSON: Unexpected end of JSON input.');
    const big = toProblem({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'x' }, request);
    expect(big.body).toMatchObject({ status: 413, title: 'Payload Too Large' });
    const type = toProblem({ statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'x' }, request);
    expect(type.body).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
    expect(type.internal).toBeUndefined();
  });

  it('words the Fastify errors Nest wraps in an HttpException', () => {
    const fst = Object.assign(new Error('Unsupported Media Type'), {
      statusCode: 415,
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    });
    const problem = toProblem(new HttpException(fst.message, 415, { cause: fst }), request);
    expect(problem.body).toMatchObject({ status: 415, title: 'Unsupported Media Type' });
    expect(problem.body.detail).toMatch(/Send application\/json/);
  });

  it('renders ProblemExceptions with their extra members and headers', () => {
    const validation = toProblem(new ValidationProblem([{ field: 'tax_year', message: 'must be a year' }]), request);
    expect(validation.body).toEqual({
      type: 'https://terrafusion.dev/problems/validation-failed',
      title: 'Validation failed',
      status: 400,
      detail: 'The request has invalid fields; see errors.',
      request_id: 'req-1',
      errors: [{ field: 'tax_year', message: 'must be a year' }],
    });
    const limited = toProblem(
      new ProblemException(429, 'too-many-requests', 'Too Many Requests', 'Wait.', {}, { 'retry-after': '3' }),
      request,
    );
    expect(limited.headers).toEqual({ 'retry-after': '3' });
  });
});

describe('problemStatus', () => {
  it('is the status toProblem answers with, for every kind of error', () => {
    const errors: unknown[] = [
      new Error('boom'),
      new BadRequestException('bad'),
      new NotFoundException(),
      new ValidationProblem([{ field: 'name', message: 'must not be empty' }]),
      Object.assign(new Error('too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }),
      Object.assign(new Error('weird'), { statusCode: 503, code: 'FST_SOMETHING' }),
      Object.assign(new Error('no code'), { statusCode: 404 }),
      null,
      'a string',
    ];
    for (const error of errors) expect(problemStatus(error)).toBe(toProblem(error, request).status);
    expect(errors.map(problemStatus)).toEqual([500, 400, 404, 400, 413, 500, 500, 500, 500]);
  });
});

describe('ProblemFilter', () => {
  function host(sent = false) {
    const reply = {
      sent,
      status: jest.fn<(code: number) => unknown>(),
      headers: jest.fn<(h: Record<string, string>) => unknown>(),
      send: jest.fn<(body: string) => unknown>(),
    };
    reply.status.mockReturnValue(reply);
    reply.headers.mockReturnValue(reply);
    const req = { id: 'req-9', method: 'GET', url: '/boom', routeOptions: { url: '/boom' } };
    const argumentsHost = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => reply }),
    };
    return { reply, argumentsHost: argumentsHost as never };
  }

  it('sends problem+json without internals and logs the error', () => {
    const filter = new ProblemFilter();
    const log = jest.spyOn((filter as unknown as { logger: { error: () => void } }).logger, 'error');
    log.mockImplementation(() => undefined);
    const { reply, argumentsHost } = host();
    const error = new QueryFailedError('SELECT 1 FROM secret_table', [], new Error('boom'));
    filter.catch(error, argumentsHost);
    expect(reply.status).toHaveBeenCalledWith(500);
    expect(reply.headers).toHaveBeenCalledWith({ 'content-type': 'application/problem+json' });
    const body = JSON.parse(reply.send.mock.calls[0][0]);
    expect(body).toEqual({ ...GENERIC_500, request_id: 'req-9' });
    expect(reply.send.mock.calls[0][0]).not.toContain('secret_table');
    expect(log).toHaveBeenCalledTimes(1);
  });

  it('does not send twice when the reply is already sent', () => {
    const filter = new ProblemFilter();
    const { reply, argumentsHost } = host(true);
    filter.catch(new NotFoundException(), argumentsHost);
    expect(reply.send).not.toHaveBeenCalled();
  });
});
