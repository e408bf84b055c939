// Market analysis job routes: run (price trend or neighborhood comparison), and the job routes every module
// declares (status, results, list, cancel), each a visible method over JobRoutesService.
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
import { NeighborhoodComparisonResultsDto, PriceTrendResultsDto } from './dto/market-analysis-results.dto.js';
import { RunMarketAnalysisDto, type MarketAnalysisParameters } from './run-market-analysis.dto.js';

const MODULE = 'market-analysis' as const;
const ROUTES: JobRouteSpec = {
  module: MODULE,
  execute: Permission.MarketAnalysisExecute,
  viewStatus: Permission.MarketAnalysisViewStatus,
  viewResults: Permission.MarketAnalysisViewResults,
  kindField: 'analysis_type',
  parcelFilters: [
    { field: 'neighborhoods', kind: 'neighborhood' },
    { field: 'property_class', kind: 'property_class' },
  ],
};

@ApiTags('market-analysis')
@Controller(jobRoutesPath(MODULE))
export class MarketAnalysisController {
  constructor(private readonly jobs: JobRoutesService) {}

  @JobRunRoute(ROUTES, 'Queue a price trend or neighborhood comparison of a county.')
  async run(
    @Body() body: RunMarketAnalysisDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('Idempotency-Key') idempotencyKey?: string,
  ): Promise<JobSubmittedDto> {
    return this.jobs.submit(ROUTES, { user, reply, idempotencyKey }, body, body satisfies MarketAnalysisParameters);
  }

  @JobStatusRoute(ROUTES)
  status(@Param() params: JobIdParamsDto, @CurrentUser() user: AuthUser): Promise<JobStatusDto> {
    return this.jobs.status(MODULE, params.job_id, user);
  }

  @JobResultsRoute(ROUTES, {
    types: [PriceTrendResultsDto, NeighborhoodComparisonResultsDto],
    discriminator: {
      propertyName: 'analysis_type',
      mapping: { price_trend: PriceTrendResultsDto, neighborhood_comparison: NeighborhoodComparisonResultsDto },
    },
  })
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
