// Valuation job routes: run, per-parcel values, and the job routes every module declares (status, results,
// list, cancel), each a visible method over JobRoutesService.
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequirePermissions } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { Permission } from '../auth/permissions.js';
import { ApiProblem } from '../common/dto/problem.dto.js';
import { ValidationProblem } from '../common/problem.js';
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
import { ValuationParcelValuesPageDto, ValuationResultsDto } from './dto/valuation-results.dto.js';
import { ParcelValuesQueryDto, RunValuationDto, type ValuationParameters } from './run-valuation.dto.js';
import {
  ValuationAdoptionDto,
  ValuationVersionListDto,
  ValuationVersionsQueryDto,
} from './dto/valuation-version.dto.js';
import { InvalidValuationInputError, ValuationEngine } from './valuation-engine.js';
import { ValuationVersionsService } from './valuation-versions.service.js';
import { ComparablesService } from './comparables.service.js';
import {
  ComparablesDto,
  ComparablesParamsDto,
  ComparablesQueryDto,
  DEFAULT_COMPARABLES,
  MAX_COMPARABLES,
} from './dto/comparables.dto.js';

const MODULE = 'valuation' as const;
const ROUTES: JobRouteSpec = {
  module: MODULE,
  execute: Permission.ValuationExecute,
  viewStatus: Permission.ValuationViewStatus,
  viewResults: Permission.ValuationViewResults,
  parcelFilters: [{ field: 'neighborhoods', kind: 'neighborhood' }],
};

// Method order is route order in the OpenAPI document: the module's own routes, then the shared ones.
@ApiTags('valuation')
@Controller(jobRoutesPath(MODULE))
export class ValuationController {
  constructor(
    private readonly jobs: JobRoutesService,
    private readonly engine: ValuationEngine,
    private readonly versions: ValuationVersionsService,
    private readonly comparableSales: ComparablesService,
  ) {}

  @JobRunRoute(ROUTES, 'Queue a mass-appraisal valuation of a county for a tax year.')
  async run(
    @Body() body: RunValuationDto,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('Idempotency-Key') idempotencyKey?: string,
  ): Promise<JobSubmittedDto> {
    const parameters: ValuationParameters = {
      county_id: body.county_id,
      tax_year: body.tax_year,
      method: body.method ?? 'regression',
      ...(body.neighborhoods ? { neighborhoods: body.neighborhoods } : {}),
    };
    return this.jobs.submit(ROUTES, { user, reply, idempotencyKey }, body, parameters);
  }

  @Get('results/:job_id/parcels')
  @RequirePermissions(Permission.ValuationViewResults)
  @ApiOperation({ summary: 'Per-parcel values of a completed valuation, in parcel_id order, cursor-paginated.' })
  @ApiOkResponse({ type: ValuationParcelValuesPageDto })
  @ApiProblem(400, 'Invalid job_id, limit or cursor.')
  @ApiProblem(404, 'No such job in your counties.')
  @ApiProblem(409, 'The job is not COMPLETED.')
  @ApiProblem(410, "The job's values were deleted.")
  async parcels(
    @Param() params: JobIdParamsDto,
    @Query() query: ParcelValuesQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<unknown> {
    await this.versions.find(params.job_id, user);
    try {
      return await this.engine.listParcelValues(params.job_id, query.limit ?? 100, query.cursor);
    } catch (error) {
      // The engine's input errors here can only concern the cursor (job_id and limit are validated above).
      if (error instanceof InvalidValuationInputError) {
        throw new ValidationProblem([{ field: 'cursor', message: 'is not a cursor returned by this list' }]);
      }
      throw error;
    }
  }

  @Get('results/:job_id/parcels/:parcel_id/comparables')
  @RequirePermissions(Permission.ValuationViewResults)
  @ApiOperation({
    summary:
      `The most comparable valid sales of a parcel (1–${MAX_COMPARABLES}, default ${DEFAULT_COMPARABLES}), each adjusted to ` +
      "it with the regression's coefficients (time, location, characteristics, in dollars that add up to the " +
      "adjusted price), and their weighted reconciliation beside the valuation's value of the parcel.",
  })
  @ApiOkResponse({ type: ComparablesDto })
  @ApiProblem(400, 'Invalid job_id, parcel_id or limit.')
  @ApiProblem(404, 'No such job in your counties, or the parcel has no value in it.')
  @ApiProblem(409, 'The job is not COMPLETED, or it is a cost valuation (no regression coefficients).')
  @ApiProblem(410, "The job's values were deleted.")
  @ApiProblem(422, 'The regression does not price the parcel (not improved residential, or a characteristic missing).')
  comparables(
    @Param() params: ComparablesParamsDto,
    @Query() query: ComparablesQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ComparablesDto> {
    return this.comparableSales.comparables(params.job_id, params.parcel_id, query.limit ?? DEFAULT_COMPARABLES, user);
  }

  @Get('versions')
  @RequirePermissions(Permission.ValuationViewResults)
  @ApiOperation({
    summary: "A county's valuation versions (each valuation job's values) and which is adopted per tax year.",
  })
  @ApiOkResponse({ type: ValuationVersionListDto })
  @ApiProblem(400, 'Invalid county_id or tax_year.')
  @ApiProblem(404, 'No such county in your counties.')
  async listVersions(
    @Query() query: ValuationVersionsQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ValuationVersionListDto> {
    return { items: await this.versions.list(query.county_id, query.tax_year, user) };
  }

  @Post('results/:job_id/adopt')
  @HttpCode(200)
  @RequirePermissions(Permission.ValuationAdopt)
  @ApiOperation({
    summary:
      "Adopt a completed valuation's values as the county's current values of its tax year (the certified roll " +
      'and every other version are kept; adopting another version later switches).',
  })
  @ApiOkResponse({ type: ValuationAdoptionDto })
  @ApiProblem(400, 'Invalid job_id.')
  @ApiProblem(404, 'No such job in your counties.')
  @ApiProblem(409, 'The job is not COMPLETED.')
  @ApiProblem(410, "The job's values were deleted.")
  adopt(@Param() params: JobIdParamsDto, @CurrentUser() user: AuthUser): Promise<ValuationAdoptionDto> {
    return this.versions.adopt(params.job_id, user);
  }

  @Delete('results/:job_id')
  @HttpCode(204)
  @RequirePermissions(Permission.ValuationExecute)
  @ApiOperation({ summary: "Delete a valuation's stored values (refused for the adopted version)." })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblem(400, 'Invalid job_id.')
  @ApiProblem(404, 'No such job in your counties.')
  @ApiProblem(409, 'The job is not COMPLETED, or its values are the adopted ones.')
  @ApiProblem(410, "The job's values were already deleted.")
  async deleteValues(@Param() params: JobIdParamsDto, @CurrentUser() user: AuthUser): Promise<void> {
    await this.versions.delete(params.job_id, user);
  }

  @JobStatusRoute(ROUTES)
  status(@Param() params: JobIdParamsDto, @CurrentUser() user: AuthUser): Promise<JobStatusDto> {
    return this.jobs.status(MODULE, params.job_id, user);
  }

  @JobResultsRoute(ROUTES, { types: [ValuationResultsDto] })
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
