// GIS export job routes: run, the download of the file (streamed from PostgreSQL, so any replica can serve
// it), and the job routes every module declares (status, results, list, cancel) over JobRoutesService.
import { Body, Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequirePermissions } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Permission } from '../auth/permissions.js';
import { NotFoundProblem } from '../common/problem.js';
import { BusinessEvents } from '../logging/business-events.js';
import { ApiProblem } from '../common/dto/problem.dto.js';
import { JobIdParamsDto, JobListDto, JobStatusDto, JobSubmittedDto, ListJobsQueryDto } from '../jobs/dto/job.dto.js';
import {
  JobCancelRoute,
  JobListRoute,
  JobResultsRoute,
  jobRoutesPath,
  JobRunRoute,
  JobStatusRoute,
  type JobRouteSpec,
} from '../jobs/job-routes.js';
import { JobRoutesService } from '../jobs/job-routes.service.js';
import { acceptsGzip } from './artifact-store.js';
import { GisExportEngine } from './gis-export-engine.js';
import { GisExportResultsDto } from './dto/gis-export-results.dto.js';
import { RunGisExportDto } from './run-gis-export.dto.js';
import { ValueSetsRepository } from '../counties/value-sets.repository.js';
import { CSV_CONTENT_TYPE } from './writers/csv.writer.js';
import { GEOJSON_CONTENT_TYPE } from './writers/geojson.writer.js';
import { KML_CONTENT_TYPE } from './writers/kml.writer.js';
import { SHAPEFILE_CONTENT_TYPE } from './writers/shapefile.writer.js';

const MODULE = 'gis-export' as const;

/** The Content-Type of each export format's file (CSV without its charset parameter, as a media type). */
const DOWNLOAD_MEDIA_TYPES = [
  GEOJSON_CONTENT_TYPE,
  CSV_CONTENT_TYPE.split(';')[0],
  KML_CONTENT_TYPE,
  SHAPEFILE_CONTENT_TYPE,
];
const ROUTES: JobRouteSpec = {
  module: MODULE,
  execute: Permission.GisExportExecute,
  viewStatus: Permission.GisExportViewStatus,
  viewResults: Permission.GisExportViewResults,
  kindField: 'export_format',
  parcelFilters: [
    { field: 'neighborhoods', kind: 'neighborhood' },
    { field: 'property_classes', kind: 'property_class' },
  ],
};

// Method order is route order in the OpenAPI document: the module's own routes, then the shared ones.
@ApiTags('gis-export')
@Controller(jobRoutesPath(MODULE))
export class GisExportController {
  constructor(
    private readonly jobs: JobRoutesService,
    private readonly engine: GisExportEngine,
    private readonly valueSets: ValueSetsRepository,
    private readonly events: BusinessEvents,
  ) {}

  @JobRunRoute(ROUTES, 'Queue a GIS export (GeoJSON, CSV, KML or zipped shapefile) of parcels with values.')
  async run(
    @Body() body: RunGisExportDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('Idempotency-Key') idempotencyKey?: string,
  ): Promise<JobSubmittedDto> {
    const parameters = { ...body, ...(body.values ? { values: body.values.toLowerCase() } : {}) };
    // A valuation job id is checked now; certified/current are resolved when the job runs (the year may be the
    // latest one with values).
    if (parameters.values !== undefined && parameters.values !== 'certified' && parameters.values !== 'current') {
      await this.valueSets.assertSelectors(user, body.county_id, body.tax_year ?? null, [
        ['values', parameters.values],
      ]);
    }
    return this.jobs.submit(ROUTES, { user, reply, idempotencyKey }, body, parameters);
  }

  @Get('results/:job_id/download')
  @RequirePermissions(Permission.GisExportViewResults)
  @ApiOperation({ summary: 'The exported file of a completed GIS export job, streamed (until it expires).' })
  @ApiHeader({ name: 'Accept-Encoding', required: false, description: 'gzip: GeoJSON, CSV and KML come gzip-coded.' })
  @ApiOkResponse({
    description:
      'The file, with Content-Disposition: attachment and its SHA-256 as ETag. GeoJSON, CSV and KML come ' +
      'gzip-coded (Content-Encoding: gzip, ETag "<sha256>-gzip") when Accept-Encoding allows gzip.',
    content: Object.fromEntries(
      DOWNLOAD_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
    ),
  })
  @ApiProblem(400, 'job_id is not a UUID.')
  @ApiProblem(404, 'No such job in your counties, or it has no file (any more: files expire).')
  @ApiProblem(409, 'The job is not COMPLETED.')
  async download(
    @Param() params: JobIdParamsDto,
    @CurrentUser() user: AuthUser,
    @Res() reply: FastifyReply,
    @Headers('Accept-Encoding') acceptEncoding?: string,
  ): Promise<void> {
    const row = await this.jobs.completed(MODULE, params.job_id, user);
    if (!row.artifact) throw new NotFoundProblem('File', `Job '${row.id}' has no file.`);
    const file = await this.engine.openArtifact(row.id, { acceptGzip: acceptsGzip(acceptEncoding) });
    if (!file) {
      throw new NotFoundProblem('File', `The file of job '${row.id}' has expired; run the export again.`);
    }
    // Files stored gzip-compressed go out as stored when the client accepts gzip (Content-Length is then the
    // compressed size) and are decompressed on the fly otherwise; the ETag differs per coding (RFC 9110 §8.8.3).
    const gzip = file.contentEncoding === 'gzip';
    reply
      .status(200)
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.filename}"`)
      .header('content-length', String(file.bytes))
      .header('etag', gzip ? `"${file.sha256}-gzip"` : `"${file.sha256}"`)
      .header('cache-control', 'private, no-store')
      .header('vary', 'Accept-Encoding');
    if (gzip) reply.header('content-encoding', 'gzip');
    // Logged once the last byte went out; a download the client broke off is not an event.
    reply.raw.once('finish', () =>
      this.events.log('export_downloaded', {
        module: MODULE,
        county_id: row.county_id,
        job_id: row.id,
        user_id: user.sub,
        figures: {
          export_format: row.kind,
          bytes: file.bytes,
          content_encoding: file.contentEncoding,
        },
      }),
    );
    await reply.send(file.stream);
  }

  @JobStatusRoute(ROUTES)
  status(@Param() params: JobIdParamsDto, @CurrentUser() user: AuthUser): Promise<JobStatusDto> {
    return this.jobs.status(MODULE, params.job_id, user);
  }

  @JobResultsRoute(ROUTES, { types: [GisExportResultsDto] })
  results(@Param() params: JobIdParamsDto, @CurrentUser() user: AuthUser): Promise<Record<string, unknown>> {
    return this.jobs.results(MODULE, params.job_id, user);
  }

  @JobListRoute(ROUTES)
  list(@Query() query: ListJobsQueryDto, @CurrentUser() user: AuthUser): Promise<JobListDto> {
    return this.jobs.list(MODULE, query, user);
  }

  @JobCancelRoute(ROUTES)
  cancel(
    @Param() params: JobIdParamsDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobStatusDto> {
    return this.jobs.cancel(MODULE, params.job_id, user, reply);
  }
}
