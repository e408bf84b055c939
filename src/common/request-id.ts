// X-Request-ID: taken from the caller when it is sane, else generated; echoed on every response.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SANE = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * Fastify's genReqId. The id is also kept on the raw request, so that code seeing only the Node
 * request (pino-http's request-scoped logger) uses the same id.
 */
export function requestIdFor(req: IncomingMessage): string {
  const raw = req as IncomingMessage & { id?: string };
  if (raw.id) return raw.id;
  const given = req.headers['x-request-id'];
  const value = Array.isArray(given) ? given[0] : given;
  raw.id = value && SANE.test(value) ? value : randomUUID();
  return raw.id;
}
