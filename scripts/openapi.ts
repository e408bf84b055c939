// `npm run openapi`: writes the service's OpenAPI document to openapi.json at the repository root, in the
// stable form the drift test (test/e2e/openapi.e2e-spec.ts) compares the served document with. Needs no
// database: the document is built from the modules' decorators alone.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocumentOffline, stableOpenApiJson } from '../src/openapi.js';

// dist/scripts/openapi.js → the repository root.
const target = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'openapi.json');

const document = await buildOpenApiDocumentOffline();
writeFileSync(target, stableOpenApiJson(document));
process.stdout.write(`wrote ${target} (${Object.keys(document.paths).length} paths)\n`);
