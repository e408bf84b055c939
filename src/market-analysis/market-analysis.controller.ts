// Market analysis job routes: run (price trend or neighborhood comparison), status, results, list,
// cancel.
import { Body, Controller, Headers, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Permission } from '../auth/permissions.js';
import { JobSubmittedDto } from '../jobs/dto/job.dto.js';
import { JobRoutesController, jobRoutesPath, JobRunRoute, type JobRouteSpec } from '../jobs/job-routes.js';
import { JobsService } from '../jobs/jobs.service.js';
import { RunMarketAnalysisDto, type MarketAnalysisParameters } from './run-market-analysis.dto.js';

const MODULE = 'market-analysis' as const;
const ROUTES: JobRouteSpec = {
  module: MODULE,
  execute: Permission.MarketAnalysisExecute,
  viewStatus: Permission.MarketAnalysisViewStatus,
  viewResults: Permission.MarketAnalysisViewResults,
  kindField: 'analysis_type',
};

@ApiTags('market-analysis')
@Controller(jobRoutesPath(MODULE))
export class MarketAnalysisController extends JobRoutesController(ROUTES) {
  constructor(jobs: JobsService) {
    super(jobs);
  }

  @JobRunRoute(ROUTES, 'Queue a price trend or neighborhood comparison of a county.')
  async run(
    @Body() body: RunMarketAnalysisDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<JobSubmittedDto> {
    return this.submitRun({ user, reply, idempotencyKey }, body, body satisfies MarketAnalysisParameters);
  }
}
