// Raw, streamed request bodies for the import routes: Fastify content-type parsers that hand the
// request stream to the handler, and the @ImportUpload() parameter that receives it.
import { createParamDecorator, Inject, Injectable, type ExecutionContext, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { appConfig } from '../../config/app.config.js';
import { MEDIA_CSV, MEDIA_GEOJSON } from './import-formats.js';
import { ProblemException } from '../../common/problem.js';
import { ImportTooLargeProblem } from './import-problems.js';

/** Fastify route config (`@RouteConfig(RAW_IMPORT_ROUTE)`) marking a route that takes a streamed file. */
export const RAW_IMPORT_ROUTE = { terrafusionRawImport: true } as const;

export interface ImportUploadBody {
  /** The request body stream, or null when the body was not sent as a file type we stream. */
  stream: Readable | null;
  /** The media type without parameters, lower-case. */
  mediaType: string | undefined;
  /** The full Content-Type header. */
  contentType: string | undefined;
  /** `charset` parameter, lower-case, when given. */
  charset: string | undefined;
}

export const ImportUpload = createParamDecorator((_data: unknown, ctx: ExecutionContext): ImportUploadBody => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  const contentType = request.headers['content-type'];
  const [mediaType, ...params] = (contentType ?? '').split(';').map((p) => p.trim());
  const charset = params
    .map((p) => /^charset\s*=\s*"?([^";]+)"?$/i.exec(p)?.[1])
    .find((c) => c !== undefined)
    ?.toLowerCase();
  return {
    stream: request.body instanceof Readable ? request.body : null,
    mediaType: mediaType ? mediaType.toLowerCase() : undefined,
    contentType,
    charset,
  };
});

@Injectable()
export class ImportBodyParsers implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const limit = this.config.importMaxBytes;
    fastify.addContentTypeParser([MEDIA_CSV, MEDIA_GEOJSON], (request, payload, done) => {
      const config = request.routeOptions.config as { terrafusionRawImport?: boolean } | undefined;
      if (config?.terrafusionRawImport !== true) {
        // Any other route takes JSON: do not hand it a stream it cannot read.
        done(
          new ProblemException(
            415,
            'unsupported-media-type',
            'Unsupported Media Type',
            `This route does not take ${request.headers['content-type']}; send application/json.`,
          ),
          undefined,
        );
        return;
      }
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) {
        done(new ImportTooLargeProblem(limit), undefined);
        return;
      }
      // The stream is read (and its size limited) by the import itself.
      done(null, payload);
    });
  }
}
