// The job routes every module shares (status, results, list, cancel), as a base class each module's
// controller extends with its own POST …/run; plus the submission answer and the rejected-submission
// metric.
import {
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, throwError, type Observable } from 'rxjs';
import { RequirePermissions } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth-user.js';
import { canAccessCounty } from '../auth/county-access.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { Permission } from '../auth/permissions.js';
import { ApiProblem } from '../counties/dto/problem.dto.js';
import { activeMetrics } from '../observability/metrics.service.js';
import { JobIdParamsDto, JobListDto, JobStatusDto, ListJobsQueryDto } from './dto/job.dto.js';
import { API_PREFIX, statusDocument, submissionDocument } from './job-document.js';
import { metricModule } from './job-platform.js';
import type { JobModuleName } from './job.entity.js';
import { JobsService, type Submission } from './jobs.service.js';

export interface JobRouteSpec {
  module: JobModuleName;
  execute: Permission;
  viewStatus: Permission;
  viewResults: Permission;
}

export const DEFAULT_LIST_LIMIT = 20;

/** Controller path of a module's business routes (the /api/v1 prefix is set here, not globally). */
export function jobRoutesPath(module: JobModuleName): string {
  return `${API_PREFIX.slice(1)}/${module}`;
}

/** Base class with GET status/results/jobs and POST jobs/:job_id/cancel for one module. */
export function JobRoutesController(spec: JobRouteSpec) {
  const { module } = spec;

  class JobRoutes {
    constructor(protected readonly jobs: JobsService) {}

    @Get('status/:job_id')
    @RequirePermissions(spec.viewStatus)
    @ApiOperation({ summary: `Status and progress of a ${module} job.` })
    @ApiOkResponse({ type: JobStatusDto })
    @ApiProblem(400, 'job_id is not a UUID.')
    @ApiProblem(404, 'No such job in your counties.')
    async status(@Param() params: JobIdParamsDto, @CurrentUser() user: AuthUser): Promise<JobStatusDto> {
      return statusDocument(await this.jobs.get(module, params.job_id, user)) as unknown as JobStatusDto;
    }

    @Get('results/:job_id')
    @RequirePermissions(spec.viewResults)
    @ApiOperation({ summary: `Result of a completed ${module} job.` })
    @ApiOkResponse({ description: 'The job (job_id, module, county_id, status, finished_at) and its result fields.' })
    @ApiProblem(400, 'job_id is not a UUID.')
    @ApiProblem(404, 'No such job in your counties.')
    @ApiProblem(409, 'The job is not COMPLETED (job_status names its current status).')
    async results(@Param() params: JobIdParamsDto, @CurrentUser() user: AuthUser): Promise<Record<string, unknown>> {
      const row = await this.jobs.results(module, params.job_id, user);
      const meta = {
        job_id: row.id,
        module: row.module,
        county_id: row.county_id,
        status: row.status,
        parameters: row.parameters,
        submitted_at: new Date(row.submitted_at).toISOString(),
        finished_at: row.finished_at ? new Date(row.finished_at).toISOString() : null,
      };
      const result =
        row.result && typeof row.result === 'object' && !Array.isArray(row.result)
          ? row.result
          : { result: row.result };
      return { ...meta, ...result, ...meta };
    }

    @Get('jobs')
    @RequirePermissions(spec.viewStatus)
    @ApiOperation({ summary: `${module} jobs in your counties, newest first, cursor-paginated.` })
    @ApiOkResponse({ type: JobListDto })
    @ApiProblem(400, 'Invalid filter, limit or cursor.')
    @ApiProblem(404, 'county_id is not one of your counties.')
    async list(@Query() query: ListJobsQueryDto, @CurrentUser() user: AuthUser): Promise<JobListDto> {
      const page = await this.jobs.list(
        module,
        {
          countyId: query.county_id,
          status: query.status,
          limit: query.limit ?? DEFAULT_LIST_LIMIT,
          cursor: query.cursor,
        },
        user,
      );
      return { items: page.items.map(statusDocument), next_cursor: page.next_cursor } as unknown as JobListDto;
    }

    @Post('jobs/:job_id/cancel')
    @RequirePermissions(spec.execute)
    @HttpCode(200)
    @ApiOperation({
      summary: `Cancel a ${module} job: a PENDING job is CANCELLED at once (200); a RUNNING one stops at its next progress step (202).`,
    })
    @ApiOkResponse({ type: JobStatusDto, description: 'Cancelled.' })
    @ApiAcceptedResponse({ type: JobStatusDto, description: 'Cancellation requested; the job is still RUNNING.' })
    @ApiProblem(404, 'No such job in your counties.')
    @ApiProblem(409, 'The job already finished.')
    async cancel(
      @Param() params: JobIdParamsDto,
      @CurrentUser() user: AuthUser,
      @Res({ passthrough: true }) reply: FastifyReply,
    ): Promise<JobStatusDto> {
      const row = await this.jobs.cancel(module, params.job_id, user);
      if (row.status === 'RUNNING') void reply.status(202);
      return statusDocument(row) as unknown as JobStatusDto;
    }
  }
  return JobRoutes;
}

/** 202 + Location for a new job; 200 (Idempotent-Replayed: true) for a replay of the same request. */
export function answerSubmission(reply: FastifyReply, submission: Submission): Record<string, unknown> {
  const body = submissionDocument(submission.row);
  void reply.status(submission.created ? 202 : 200).header('location', (body.links as { self: string }).self);
  if (!submission.created) void reply.header('idempotent-replayed', 'true');
  return body;
}

/**
 * Counts failed submissions (validation, unknown county, idempotency conflict, 501) as
 * …_jobs_submitted_total{status_on_submit="rejected"}. Interceptors wrap the validation pipe, so 400s
 * from DTO validation are counted too.
 */
export class SubmissionMetricsInterceptor implements NestInterceptor {
  constructor(
    private readonly module: JobModuleName,
    private readonly kindField?: string,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        try {
          const request = context.switchToHttp().getRequest<FastifyRequest>();
          const body = (request.body ?? {}) as Record<string, unknown>;
          const status = (error as { getStatus?: () => number }).getStatus?.() ?? 500;
          const county = typeof body.county_id === 'string' ? body.county_id : '';
          const known = status !== 404 && request.user !== undefined && canAccessCounty(request.user, county);
          activeMetrics()
            ?.jobs(metricModule(this.module))
            .submitted({
              countyId: known ? county : '',
              kind:
                this.kindField && typeof body[this.kindField] === 'string'
                  ? (body[this.kindField] as string)
                  : undefined,
              statusOnSubmit: 'rejected',
            });
        } catch {
          // a metric is never worth failing the request over
        }
        return throwError(() => error);
      }),
    );
  }
}
