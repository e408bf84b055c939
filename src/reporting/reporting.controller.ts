// Reporting job routes: run (ratio study or assessment roll), results (JSON, or CSV with ?format=csv), and
// the job routes every module declares (status, list, cancel), each a visible method over JobRoutesService.
import { Body, Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
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
import { NotFoundProblem, ValidationProblem, type FieldError } from '../common/problem.js';
import { ApiProblem } from '../common/dto/problem.dto.js';
import { RequirePermissions } from '../auth/auth.decorators.js';
import type { RatioChartData } from './charts/chart-data.js';
import { CHART_NAMES, chartSpec, renderSvg, type ChartName, type ChartPanel } from './charts/ratio-charts.js';
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

export class ChartParamsDto extends JobIdParamsDto {
  @ApiProperty({ enum: CHART_NAMES.map((c) => `${c}.svg`) })
  @IsString()
  @MaxLength(100)
  chart: string;
}

/** How a value set is named on a chart. */
function panelLabel(values: string): string {
  if (values === 'certified') return 'Certified roll';
  if (values === 'current') return 'Current values';
  return `Valuation ${values.slice(0, 8)}`;
}

interface ChartSource {
  values?: { requested?: string };
  charts?: RatioChartData;
  strata?: { untrimmed?: { mki?: number | null } }[];
  comparison?: {
    versions: { values: string; charts: RatioChartData; strata: { untrimmed: { mki: number | null } }[] }[];
  };
}

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

  @Get('results/:job_id/charts/:chart')
  @RequirePermissions(ROUTES.viewResults)
  @ApiOperation({
    summary:
      'A chart of a completed ratio study as SVG: ratio-by-price-decile.svg, lorenz.svg or ratio-cdf.svg ' +
      '(with compare: one panel per value set, side by side).',
  })
  @ApiOkResponse({ description: 'The chart.', content: { 'image/svg+xml': { schema: { type: 'string' } } } })
  @ApiProblem(400, 'job_id is not a UUID.')
  @ApiProblem(404, 'No such job in your counties, no such chart, or the job is not a ratio study.')
  @ApiProblem(409, 'The job is not COMPLETED (job_status names its current status).')
  async chart(
    @Param() params: ChartParamsDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const name = params.chart.endsWith('.svg') ? params.chart.slice(0, -4) : null;
    if (name === null || !(CHART_NAMES as readonly string[]).includes(name)) {
      throw new NotFoundProblem(
        'Chart',
        `There is no chart "${params.chart}"; the charts are ${CHART_NAMES.map((c) => `${c}.svg`).join(', ')}.`,
      );
    }
    const row = await this.jobs.completed(MODULE, params.job_id, user);
    const result = (row.result ?? {}) as ChartSource & { report_type?: string };
    if (result.report_type !== 'ratio_study' || !result.charts) {
      throw new NotFoundProblem('Chart', `Job '${row.id}' is not a ratio study with charts.`);
    }
    const panels: ChartPanel[] = result.comparison
      ? result.comparison.versions.map((v) => ({
          label: panelLabel(v.values),
          data: v.charts,
          mki: v.strata[0]?.untrimmed.mki ?? null,
        }))
      : [
          {
            label: panelLabel(result.values?.requested ?? 'current'),
            data: result.charts,
            mki: result.strata?.[0]?.untrimmed?.mki ?? null,
          },
        ];
    const svg = await renderSvg(chartSpec(name as ChartName, panels));
    void reply.header('content-type', 'image/svg+xml; charset=utf-8').header('cache-control', 'private, no-cache');
    return svg;
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
