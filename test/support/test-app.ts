// Boots the whole app on its own fresh database of the test PostgreSQL server.
import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { createApp, type CreateAppOptions } from '../../src/app.factory.js';
import { resetEnvCache } from '../../src/config/env.js';
import { TEST_JWT_SECRET } from './tokens.js';

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  json: <T = any>() => T;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and buffers as they are. */
  body?: unknown;
}

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL of the app listening on a free loopback port. */
  baseUrl: string;
  /** A real HTTP request to the app. */
  request: (method: string, path: string, options?: RequestOptions) => Promise<HttpResponse>;
  databaseUrl: string;
  /** A pg client on the suite's database, for asserting what changed. */
  db: pg.Client;
  close: () => Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.TF_TEST_PG_URL;
  if (!url) throw new Error('TF_TEST_PG_URL is not set: run e2e tests through jest (global setup)');
  return url;
}

/** Creates an empty database on the test server and returns its URL. */
export async function createTestDatabase(prefix = 'tf'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestAppOptions {
  /** An existing database instead of a fresh one on the shared test server. */
  databaseUrl?: string;
  /** Extra modules mounted in the app (e.g. a test-only controller). */
  imports?: CreateAppOptions['imports'];
}

export async function createTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const saved: Record<string, string | undefined> = {};
  const defaults = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    ...env,
  };
  for (const [k, v] of Object.entries(defaults)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  resetEnvCache();
  const app = await createApp({ databaseUrl, quiet: true, imports: options.imports });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    app,
    baseUrl,
    request: (method, path, options) => httpRequest(baseUrl, method, path, options),
    databaseUrl,
    db,
    close: async () => {
      await db.end();
      await app.close();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      resetEnvCache();
    },
  };
}

export async function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
      body = options.body;
    } else {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const res = await fetch(baseUrl + path, { method, headers, body });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => JSON.parse(text),
  };
}
