// Market analysis job routes (DESIGN.md §3): run (price trend or neighborhood comparison), status, results, list,
// cancel.
import { Body, Controller, Headers, Post, Res, UseInterceptors } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequirePermissions } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Permission } from '../auth/permissions.js';
import { ApiProblem } from '../counties/dto/problem.dto.js';
import { JobSubmittedDto } from '../jobs/dto/job.dto.js';
import {
  answerSubmission,
  JobRoutesController,
  jobRoutesPath,
  SubmissionMetricsInterceptor,
} from '../jobs/job-routes.js';
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

  @Post('run')
  @RequirePermissions(Permission.MarketAnalysisExecute)
  @UseInterceptors(new SubmissionMetricsInterceptor(MODULE, 'analysis_type'))
  @ApiOperation({ summary: 'Queue a price trend or neighborhood comparison of a county.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body → the same job.' })
  @ApiAcceptedResponse({ type: JobSubmittedDto, description: 'Queued; Location is the status URL.' })
  @ApiOkResponse({ type: JobSubmittedDto, description: 'Replay of an earlier request with the same Idempotency-Key.' })
  @ApiProblem(400, 'Invalid body (see errors).')
  @ApiProblem(404, 'Unknown county (or not one of yours).')
  @ApiProblem(409, 'The Idempotency-Key was used with a different body.')
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
    const submission = await this.jobs.submit(
      MODULE,
      {
        countyId: body.county_id,
        kind: body.analysis_type,
        parameters: { ...parameters },
        callbackUrl: body.callback_url ?? null,
      },
      user,
      idempotencyKey,
    );
    return answerSubmission(reply, submission) as unknown as JobSubmittedDto;
  }
}
