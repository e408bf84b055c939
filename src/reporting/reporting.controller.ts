// Reporting job routes: run (ratio study or assessment roll), status, results (JSON, or CSV with
// ?format=csv), list, cancel.
import { Body, Controller, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Permission } from '../auth/permissions.js';
import { JobIdParamsDto, JobSubmittedDto } from '../jobs/dto/job.dto.js';
import {
  JobResultsRoute,
  JobRoutesController,
  jobRoutesPath,
  JobRunRoute,
  type JobRouteSpec,
} from '../jobs/job-routes.js';
import { JobsService } from '../jobs/jobs.service.js';
import { ReportingEngine } from './reporting-engine.js';
import { ReportResultsQueryDto, RunReportDto, type ReportParameters } from './run-report.dto.js';

const MODULE = 'reporting' as const;
const ROUTES: JobRouteSpec = {
  module: MODULE,
  execute: Permission.ReportingExecute,
  viewStatus: Permission.ReportingViewStatus,
  viewResults: Permission.ReportingViewResults,
  kindField: 'report_type',
};

@ApiTags('reporting')
@Controller(jobRoutesPath(MODULE))
export class ReportingController extends JobRoutesController(ROUTES) {
  constructor(
    jobs: JobsService,
    private readonly engine: ReportingEngine,
  ) {
    super(jobs);
  }

  @JobRunRoute(ROUTES, 'Queue a ratio study or assessment roll report of a county for a tax year.')
  async run(
    @Body() body: RunReportDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<JobSubmittedDto> {
    return this.submitRun({ user, reply, idempotencyKey }, body, body satisfies ReportParameters);
  }

  // Replaces the shared results route of this module (same path and permission) to add ?format=csv.
  @JobResultsRoute(
    Permission.ReportingViewResults,
    'Result of a completed report: JSON, or a tidy CSV with ?format=csv.',
    'job_id is not a UUID, or format is not json or csv.',
  )
  @ApiProduces('application/json', 'text/csv')
  override async results(
    @Param() params: JobIdParamsDto,
    @CurrentUser() user: AuthUser,
    @Query() query?: ReportResultsQueryDto,
    @Res({ passthrough: true }) reply?: FastifyReply,
  ): Promise<Record<string, unknown>> {
    if (query?.format !== 'csv' || !reply) return super.results(params, user);
    const row = await this.jobs.results(MODULE, params.job_id, user);
    const result = (row.result ?? {}) as Record<string, unknown>;
    const name = `${String(result.report_type ?? 'report')}-${row.county_id}-${row.id}.csv`.replace(
      /[^A-Za-z0-9._-]/g,
      '_',
    );
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`);
    // The CSV text is the body; the declared type is the JSON variant's.
    return this.engine.toCsv(result) as unknown as Record<string, unknown>;
  }
}
