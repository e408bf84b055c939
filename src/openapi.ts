// OpenAPI document at /docs/openapi.json and Swagger UI at /docs; the committed openapi.json is the same
// document written by `npm run openapi` (scripts/openapi.ts) in the stable form below.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { buildInfo } from './common/build-info.js';

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('TerraFusion API')
    .setDescription(
      'County property-assessment analytics: county data import, valuation, ratio studies, market analysis and GIS export.',
    )
    .setVersion(buildInfo().version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    // Relative to where the document is served from: the paths are absolute on this service's origin.
    .addServer('/', 'This service')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Every route declares @RequirePermissions() (bearer) or @Public() (route-access.check.ts); the public ones
  // get an explicit empty requirement, so a client knows they need no token rather than guessing. (Set here:
  // the decorators drop an empty security list.)
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
  return document;
}

export function setupOpenApi(app: NestFastifyApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', raw: ['json'] });
}

/**
 * The document of the whole application without starting it: Nest's preview mode registers the modules and
 * their routes but instantiates no provider, so no database is needed (the URL is never connected to).
 */
export async function buildOpenApiDocumentOffline(): Promise<OpenAPIObject> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ databaseUrl: 'postgres://127.0.0.1:1/unused' }),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/**
 * The document as committed: object keys sorted at every level (arrays keep their order), two-space indent
 * and a trailing newline, so a regeneration changes the file only where the document changed.
 */
export function stableOpenApiJson(document: unknown): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
