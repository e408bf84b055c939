// Reporting job routes: run (ratio study or assessment roll), results (JSON, or CSV with ?format=csv), and
// the job routes every module declares (status, list, cancel), each a visible method over JobRoutesService.
import { Body, Controller, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Permission } from '../auth/permissions.js';
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
import { ValueSetsRepository } from '../counties/value-sets.repository.js';
import { ValidationProblem, type FieldError } from '../common/problem.js';
import { AssessmentRollResultsDto, RatioStudyResultsDto } from './dto/report-results.dto.js';
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

// Method order is route order in the OpenAPI document: the module's own routes, then the shared ones.
@ApiTags('reporting')
@Controller(jobRoutesPath(MODULE))
export class ReportingController {
  constructor(
    private readonly jobs: JobRoutesService,
    private readonly engine: ReportingEngine,
    private readonly valueSets: ValueSetsRepository,
  ) {}

  @JobRunRoute(ROUTES, 'Queue a ratio study or assessment roll report of a county for a tax year.')
  async run(
    @Body() body: RunReportDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('Idempotency-Key') idempotencyKey?: string,
  ): Promise<JobSubmittedDto> {
    const problems: FieldError[] = [];
    if (body.compare !== undefined && body.report_type !== 'ratio_study') {
      problems.push({ field: 'compare', message: 'is only for report_type ratio_study' });
    }
    for (const field of ['bootstrap', 'prior_values'] as const) {
      if (body[field] !== undefined && body.report_type !== 'ratio_study') {
        problems.push({ field, message: 'is only for report_type ratio_study' });
      }
    }
    if (body.compare !== undefined && body.values !== undefined) {
      problems.push({ field: 'values', message: 'give values or compare, not both' });
    }
    if (problems.length > 0) throw new ValidationProblem(problems);
    const parameters: ReportParameters = {
      ...body,
      ...(body.values ? { values: body.values.toLowerCase() } : {}),
      ...(body.compare ? { compare: body.compare.map((v) => v.toLowerCase()) } : {}),
      ...(body.prior_values ? { prior_values: body.prior_values.toLowerCase() } : {}),
      ...(body.bootstrap ? { bootstrap: { ...body.bootstrap } } : {}),
    };
    await this.valueSets.assertSelectors(user, body.county_id, body.tax_year, [
      ['values', parameters.values],
      ['compare', parameters.compare],
    ]);
    // The values before: of the year before the one studied.
    await this.valueSets.assertSelectors(user, body.county_id, body.tax_year - 1, [
      ['prior_values', parameters.prior_values],
    ]);
    return this.jobs.submit(ROUTES, { user, reply, idempotencyKey }, body, parameters);
  }

  // The shared results route with ?format=csv added.
  @JobResultsRoute(
    ROUTES,
    {
      types: [RatioStudyResultsDto, AssessmentRollResultsDto],
      discriminator: {
        propertyName: 'report_type',
        mapping: { ratio_study: RatioStudyResultsDto, assessment_roll: AssessmentRollResultsDto },
      },
      csv: true,
    },
    'Result of a completed report: JSON, or a tidy CSV with ?format=csv.',
    'job_id is not a UUID, or format is not json or csv.',
  )
  async results(
    @Param() params: JobIdParamsDto,
    @CurrentUser() user: AuthUser,
    @Query() query: ReportResultsQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    if (query.format !== 'csv') return this.jobs.results(MODULE, params.job_id, user);
    const row = await this.jobs.completed(MODULE, params.job_id, user);
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

  @JobStatusRoute(ROUTES)
  status(@Param() params: JobIdParamsDto, @CurrentUser() user: AuthUser): Promise<JobStatusDto> {
    return this.jobs.status(MODULE, params.job_id, user);
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
