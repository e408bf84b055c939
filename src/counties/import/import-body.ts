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
import { ImportTooLargeProblem, UnsupportedImportMediaTypeProblem } from './import-problems.js';

/** Fastify route config (`@RouteConfig(rawImportRoute([...]))`) of a route that takes a streamed file. */
export interface RawImportRouteConfig {
  terrafusionRawImport: true;
  /** The media types the route takes; anything else is a 415 before a byte of the body is read. */
  acceptedMediaTypes: readonly string[];
}

export function rawImportRoute(acceptedMediaTypes: readonly string[]): RawImportRouteConfig {
  return { terrafusionRawImport: true, acceptedMediaTypes };
}

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
    // A file sent with another Content-Type (a CSV as application/json, say) is told which types the
    // route takes, instead of being parsed as something it is not.
    fastify.addHook('preParsing', (request, _reply, payload, done) => {
      const config = request.routeOptions.config as Partial<RawImportRouteConfig> | undefined;
      if (config?.terrafusionRawImport === true && config.acceptedMediaTypes) {
        const contentType = request.headers['content-type'];
        const mediaType = contentType?.split(';')[0].trim().toLowerCase();
        if (!mediaType || !config.acceptedMediaTypes.includes(mediaType)) {
          done(new UnsupportedImportMediaTypeProblem(config.acceptedMediaTypes, contentType));
          return;
        }
      }
      done(null, payload);
    });
    fastify.addContentTypeParser([MEDIA_CSV, MEDIA_GEOJSON], (request, payload, done) => {
      const config = request.routeOptions.config as Partial<RawImportRouteConfig> | undefined;
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
