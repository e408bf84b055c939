// What a new user sees after `npm start`: where the API is, where the docs are, and a call to try.
import type { INestApplication } from '@nestjs/common';
import { accessBannerLines } from '../auth/dev-banner.js';
import { loadEnv } from '../config/env.js';

export function baseUrl(): string {
  const env = loadEnv();
  if (env.PUBLIC_BASE_URL) return env.PUBLIC_BASE_URL.replace(/\/$/, '');
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST;
  return `http://${host}:${env.PORT}`;
}

export async function printBanner(app: INestApplication): Promise<void> {
  const url = baseUrl();
  const lines = [
    '',
    `TerraFusion API is ready at ${url}`,
    `  API docs:   ${url}/docs`,
    `  Readiness:  curl -s ${url}/health/ready`,
    ...accessBannerLines(app, url, loadEnv().NODE_ENV === 'production'),
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
