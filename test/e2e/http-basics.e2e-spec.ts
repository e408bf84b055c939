import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsInt, IsString, Length, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { Public } from '../../src/auth/auth.decorators.js';
import { createTestApp, type HttpResponse, type TestApp } from '../support/test-app.js';

// A test-only controller mounted in the real app: a JSON route with a DTO, and routes that fail.
class EchoDto {
  @IsString()
  @Length(1, 40)
  name!: string;

  @IsInt()
  @Min(0)
  count!: number;
}

@Controller('test-only')
class ProbeController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Public()
  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Public()
  @Get('boom')
  boom(): never {
    throw new Error('internal detail: connection string postgres://admin:hunter2@db/prod');
  }

  @Public()
  @Get('sql')
  async sql(): Promise<unknown> {
    return this.dataSource.query("SELECT secret_column FROM no_such_table WHERE password = 'hunter2'");
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

function expectProblem(res: HttpResponse, status: number): Record<string, any> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const requestId = res.headers.get('x-request-id');
  expect(requestId).toBeTruthy();
  const body = res.json();
  expect(body.status).toBe(status);
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.request_id).toBe(requestId);
  return body;
}

describe('HTTP basics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT_BYTES: '2048' }, { imports: [ProbeModule] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers an unknown route with 404 problem+json carrying the request id', async () => {
    const res = await t.request('GET', '/no/such/route');
    const body = expectProblem(res, 404);
    expect(body).toMatchObject({
      type: 'https://terrafusion.dev/problems/not-found',
      title: 'Not Found',
      detail: 'No route matches GET /no/such/route.',
    });
  });

  it('accepts a valid JSON body', async () => {
    const res = await t.request('POST', '/test-only/echo', { body: { name: 'Ada', count: 3 } });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ name: 'Ada', count: 3 });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await t.request('POST', '/test-only/echo', {
      headers: { 'content-type': 'application/json' },
      body: '{"name": "Ada", ',
    });
    const body = expectProblem(res, 400);
    expect(body.title).toBe('Bad Request');
    expect(body.detail).toMatch(/^The body is not valid JSON/);
  });

  it('answers an empty JSON body with 400 problem+json', async () => {
    const res = await t.request('POST', '/test-only/echo', { headers: { 'content-type': 'application/json' } });
    expect(expectProblem(res, 400).detail).toMatch(/empty/);
  });

  it('answers a body over BODY_LIMIT_BYTES with 413 problem+json', async () => {
    const res = await t.request('POST', '/test-only/echo', { body: { name: 'x'.repeat(4000), count: 1 } });
    const body = expectProblem(res, 413);
    expect(body).toMatchObject({
      type: 'https://terrafusion.dev/problems/payload-too-large',
      title: 'Payload Too Large',
    });
  });

  it('answers a wrong content type with 415 problem+json', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const res = await t.request('POST', '/test-only/echo', {
        headers: { 'content-type': type },
        body: type === 'application/xml' ? '<a/>' : 'name=Ada&count=3',
      });
      const body = expectProblem(res, 415);
      expect(body.title).toBe('Unsupported Media Type');
      expect(body.detail).toMatch(/application\/json/);
    }
  });

  it('answers invalid fields with 400 and errors [{field, message}]', async () => {
    const res = await t.request('POST', '/test-only/echo', { body: { name: '', count: -1, admin: true } });
    const body = expectProblem(res, 400);
    expect(body).toMatchObject({
      type: 'https://terrafusion.dev/problems/validation-failed',
      title: 'Validation failed',
    });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'admin', message: 'is not an allowed field' },
        { field: 'name', message: 'name must be longer than or equal to 1 characters' },
        { field: 'count', message: 'count must not be less than 0' },
      ]),
    );
    expect(body.errors).toHaveLength(3);
  });

  it('answers a JSON body that is not an object with 400 problem+json', async () => {
    const res = await t.request('POST', '/test-only/echo', { body: [1, 2] });
    expectProblem(res, 400);
  });

  it('answers an unexpected error with a generic 500: no message, stack or SQL in the body', async () => {
    for (const path of ['/test-only/boom', '/test-only/sql']) {
      const res = await t.request('GET', path);
      const body = expectProblem(res, 500);
      expect(body).toEqual({
        type: 'https://terrafusion.dev/problems/internal-error',
        title: 'Internal Server Error',
        status: 500,
        detail: 'An unexpected error occurred. Quote the request_id when reporting it.',
        request_id: res.headers.get('x-request-id'),
      });
      expect(res.text).not.toMatch(/hunter2|SELECT|no_such_table|secret_column|\.ts:\d+|at /);
    }
  });

  it('echoes a sane X-Request-ID (also on errors) and replaces an insane one', async () => {
    const given = await t.request('GET', '/health/live', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const onError = await t.request('POST', '/test-only/echo', {
      headers: { 'x-request-id': 'trace-456', 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(onError.status).toBe(415);
    expect(onError.headers.get('x-request-id')).toBe('trace-456');
    expect(onError.json().request_id).toBe('trace-456');
    const insane = await t.request('GET', '/health/live', {
      headers: { 'x-request-id': 'bad id with spaces <script>' },
    });
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await t.request('GET', '/no/such', { headers: { 'x-request-id': 'a'.repeat(200) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts a distinct X-Request-ID on every response', async () => {
    const paths = ['/health/live', '/health/ready', '/info', '/no/such', '/docs/openapi.json'];
    const ids = new Set<string>();
    for (const path of paths) {
      const res = await t.request('GET', path);
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      ids.add(id!);
    }
    expect(ids.size).toBe(paths.length);
  });

  it('serves liveness, readiness and info', async () => {
    expect((await t.request('GET', '/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.json().status).toBe('ok');
    const info = (await t.request('GET', '/info')).json();
    expect(info).toMatchObject({ name: 'terrafusion-api', node_version: process.version });
  });

  it('serves the OpenAPI document', async () => {
    const res = await t.request('GET', '/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.json().openapi).toMatch(/^3\./);
  });
});
