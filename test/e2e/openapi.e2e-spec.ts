// The committed openapi.json is the document the service serves: a change to a route, DTO or decorator that
// is not regenerated into the file fails here.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildOpenApiDocumentOffline, stableOpenApiJson } from '../../src/openapi.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const COMMITTED = resolve(process.cwd(), 'openapi.json');

describe('openapi.json', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('equals the document served at /docs/openapi.json (else run `npm run openapi`)', async () => {
    const res = await t.request('GET', '/docs/openapi.json');
    expect(res.status).toBe(200);
    expectCommitted(stableOpenApiJson(res.json()), 'the document the service serves');
  });

  it('is what `npm run openapi` writes without a database', async () => {
    expectCommitted(stableOpenApiJson(await buildOpenApiDocumentOffline()), 'the document built without a database');
  });
});

/** Fails with the first differing line rather than a diff of the whole document. */
function expectCommitted(generated: string, what: string): void {
  const committed = readFileSync(COMMITTED, 'utf8');
  if (generated === committed) return;
  const a = committed.split('\n');
  const b = generated.split('\n');
  let line = 0;
  while (line < a.length && a[line] === b[line]) line++;
  throw new Error(
    `openapi.json differs from ${what} at line ${line + 1} (committed ${JSON.stringify(a[line])}, ` +
      `generated ${JSON.stringify(b[line])}): run \`npm run openapi\` and commit openapi.json`,
  );
}
