// Market analysis job routes (DESIGN.md §3): run (price trend or neighborhood comparison), status, results, list,
// cancel.
import { Body, Controller, Headers, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Permission } from '../auth/permissions.js';
import { JobSubmittedDto } from '../jobs/dto/job.dto.js';
import { JobRoutesController, jobRoutesPath, JobRunRoute } from '../jobs/job-routes.js';
import { JobsService } from '../jobs/jobs.service.js';
import { RunMarketAnalysisDto, type MarketAnalysisParameters } from './run-market-analysis.dto.js';

const MODULE = 'market-analysis' as const;

@ApiTags('market-analysis')
@Controller(jobRoutesPath(MODULE))
export class MarketAnalysisController extends JobRoutesController({
  module: MODULE,
  execute: Permission.MarketAnalysisExecute,
  viewStatus: Permission.MarketAnalysisViewStatus,
  viewResults: Permission.MarketAnalysisViewResults,
}) {
  constructor(jobs: JobsService) {
    super(jobs);
  }

  @JobRunRoute(
    MODULE,
    Permission.MarketAnalysisExecute,
    'Queue a price trend or neighborhood comparison of a county.',
    'analysis_type',
  )
  async run(
    @Body() body: RunMarketAnalysisDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<JobSubmittedDto> {
    const parameters: MarketAnalysisParameters = {
      county_id: body.county_id,
      analysis_type: body.analysis_type,
      ...(body.from !== undefined ? { from: body.from } : {}),
      ...(body.to !== undefined ? { to: body.to } : {}),
      ...(body.property_class !== undefined ? { property_class: body.property_class } : {}),
      ...(body.neighborhoods !== undefined ? { neighborhoods: body.neighborhoods } : {}),
    };
    return this.submitRun({ user, reply, idempotencyKey }, body, body.analysis_type, parameters);
  }
}
