// Start banner lines about access: a ready admin token for the demo county (development only).
import type { INestApplication } from '@nestjs/common';
import { authConfig, type AuthSettings } from './auth.config.js';
import { signDevToken } from './dev-token.js';

const DEV_TOKEN_TTL_SECONDS = 12 * 3600;

export function accessBannerLines(app: INestApplication, url: string, isProduction: boolean): string[] {
  const settings = app.get<AuthSettings>(authConfig.KEY);
  if (settings.keys.kind === 'jwks') {
    return [`  Auth:       bearer tokens from ${new URL(settings.keys.uri).origin} (JWKS)`];
  }
  if (isProduction) return ['  Auth:       HS256 bearer tokens (AUTH_JWT_SECRET)'];
  const token = signDevToken(settings, {
    sub: 'dev-admin',
    roles: ['admin'],
    counties: ['demo'],
    ttlSeconds: DEV_TOKEN_TTL_SECONDS,
  });
  return [
    `  Dev token:  admin of county demo, valid 12 h (more: npm run -s token -- --role viewer --county demo)`,
    `  TOKEN=${token}`,
    `  curl -s -H "Authorization: Bearer $TOKEN" ${url}/api/v1/counties`,
  ];
}
