// Request-body rules for every route, so a body that cannot be read gets an answer saying why: a
// compressed body is a 415 naming its encoding (the API reads bodies as sent), and JSON is parsed with
// prototype-poisoning keys refused by name rather than as "not valid JSON".
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ProblemException } from './problem.js';

function badJson(detail: string): ProblemException {
  return new ProblemException(400, 'bad-request', 'Bad Request', detail);
}

/** The JSON parser's answer for a body it refused, as a person can act on it. */
export function describeJsonError(error: Error, body: string): ProblemException {
  if (/prototype property/.test(error.message)) {
    return badJson(`The body has the key '__proto__', which is not allowed; remove it.`);
  }
  if (/constructor property/.test(error.message)) {
    return badJson(`The body has a key 'constructor' holding 'prototype', which is not allowed; remove it.`);
  }
  if (body.trim() === '') {
    return badJson('The body is empty but Content-Type says application/json. Send a JSON document.');
  }
  return badJson(`The body is not valid JSON (${error.message}); check quoting and commas.`);
}

/**
 * Deeper than any body the API takes. A deeper document is refused at parsing: the validation pipe walks
 * bodies recursively (class-transformer), and a few thousand levels of `[[[…]]]` overflow its stack (a 500).
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests arrays/objects deeper than `max` levels; iterative, so any depth is safe to check. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

export function installBodyRules(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      done(
        new ProblemException(
          415,
          'unsupported-media-type',
          'Unsupported Media Type',
          `Content-Encoding '${encoding}' is not supported; send the body uncompressed (no Content-Encoding header).`,
        ),
      );
      return;
    }
    done(null, payload);
  });
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    let parsed: unknown;
    try {
      parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (error) {
      done(describeJsonError(error as Error, text), undefined);
      return;
    }
    if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
      done(badJson(`The body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; flatten it.`), undefined);
      return;
    }
    done(null, parsed);
  });
}
