// The job routes every module shares (status, results, list, cancel), as a base class each module's
// controller extends with its own POST …/run; the decorators and the submit-and-answer step of that run
// route; plus the submission answer and the rejected-submission metric.
import {
  applyDecorators,
  Get,
  HttpCode,
  Injectable,
  Param,
  Post,
  Query,
  Res,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, throwError, type Observable } from 'rxjs';
import { RequirePermissions } from '../auth/auth.decorators.js';
import type { AuthUser } from '../auth/auth-user.js';
import { canAccessCounty } from '../auth/county-access.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { Permission } from '../auth/permissions.js';
import { ApiProblem } from '../common/dto/problem.dto.js';
import {
  JobIdParamsDto,
  JobListDto,
  JobRunBaseDto,
  JobStatusDto,
  JobSubmittedDto,
  ListJobsQueryDto,
} from './dto/job.dto.js';
import { API_PREFIX, statusDocument, submissionDocument } from './job-document.js';
import { Reflector } from '@nestjs/core';
import { JobPlatform } from './job-platform.js';
import type { JobModuleName } from './job.entity.js';
import { JobsService, type Submission } from './jobs.service.js';

export interface JobRouteSpec {
  module: JobModuleName;
  execute: Permission;
  viewStatus: Permission;
  viewResults: Permission;
  /** The run body's field that holds the job kind (stored with the job, a label of the submission metric). */
  kindField?: string;
}

/** What a run handler passes on from its request: the caller, the reply (status, Location) and the key. */
export interface RunRequest {
  user: AuthUser;
  reply: FastifyReply;
  idempotencyKey?: string;
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

    @JobResultsRoute(spec.viewResults, `Result of a completed ${module} job.`)
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

    /**
     * The rest of a module's POST …/run once it has mapped its DTO to the job parameters: submit, then
     * answer 202 + Location (200 for an idempotent replay). callback_url is never stored as a parameter,
     * so a module whose parameters are its whole body may pass the body; fields left undefined are not
     * stored either.
     */
    protected async submitRun(request: RunRequest, body: JobRunBaseDto, parameters: object): Promise<JobSubmittedDto> {
      const { callback_url: _callbackUrl, ...stored } = parameters as Record<string, unknown>;
      const kind = spec.kindField ? ((body as unknown as Record<string, unknown>)[spec.kindField] as string) : null;
      const submission = await this.jobs.submit(
        module,
        { countyId: body.county_id, kind, parameters: stored, callbackUrl: body.callback_url ?? null },
        request.user,
        request.idempotencyKey,
      );
      return answerSubmission(request.reply, submission) as unknown as JobSubmittedDto;
    }
  }
  return JobRoutes;
}

/**
 * The decorators of a module's POST …/run: the route, its permission (spec.execute), the rejected-submission
 * metric (labelled with the body's spec.kindField) and the OpenAPI of a submission (202 new job, 200
 * idempotent replay, 400/404/409 problems).
 */
export function JobRunRoute(spec: JobRouteSpec, summary: string): MethodDecorator {
  return applyDecorators(
    Post('run'),
    RequirePermissions(spec.execute),
    SetMetadata(SUBMISSION_SPEC, spec),
    UseInterceptors(SubmissionMetricsInterceptor),
    ApiOperation({ summary }),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body → the same job.' }),
    ApiAcceptedResponse({ type: JobSubmittedDto, description: 'Queued; Location is the status URL.' }),
    ApiOkResponse({
      type: JobSubmittedDto,
      description: 'Replay of an earlier request with the same Idempotency-Key.',
    }),
    ApiProblem(400, 'Invalid body (see errors).'),
    ApiProblem(404, 'Unknown county (or not one of yours).'),
    ApiProblem(409, 'The Idempotency-Key was used with a different body.'),
  );
}

/**
 * The decorators of GET …/results/:job_id: the shared route, and a module's override of it (which must
 * declare its route again), with the same permission and problems.
 */
export function JobResultsRoute(
  permission: Permission,
  summary: string,
  badRequest = 'job_id is not a UUID.',
): MethodDecorator {
  return applyDecorators(
    Get('results/:job_id'),
    RequirePermissions(permission),
    ApiOperation({ summary }),
    ApiOkResponse({ description: 'The job (job_id, module, county_id, status, finished_at) and its result fields.' }),
    ApiProblem(400, badRequest),
    ApiProblem(404, 'No such job in your counties.'),
    ApiProblem(409, 'The job is not COMPLETED (job_status names its current status).'),
  );
}

/** 202 + Location for a new job; 200 (Idempotent-Replayed: true) for a replay of the same request. */
export function answerSubmission(reply: FastifyReply, submission: Submission): Record<string, unknown> {
  const body = submissionDocument(submission.row);
  void reply.status(submission.created ? 202 : 200).header('location', (body.links as { self: string }).self);
  if (!submission.created) void reply.header('idempotent-replayed', 'true');
  return body;
}

/** Route metadata: the JobRouteSpec of a POST …/run, read by SubmissionMetricsInterceptor. */
const SUBMISSION_SPEC = Symbol('tf.submissionSpec');

/**
 * Counts failed submissions (validation, unknown county, idempotency conflict, 501) as
 * …_jobs_submitted_total{status_on_submit="rejected"}. Interceptors wrap the validation pipe, so 400s
 * from DTO validation are counted too.
 */
@Injectable()
export class SubmissionMetricsInterceptor implements NestInterceptor {
  constructor(
    private readonly platform: JobPlatform,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        try {
          const spec = this.reflector.get<JobRouteSpec>(SUBMISSION_SPEC, context.getHandler());
          const request = context.switchToHttp().getRequest<FastifyRequest>();
          const body = (request.body ?? {}) as Record<string, unknown>;
          const status = (error as { getStatus?: () => number }).getStatus?.() ?? 500;
          const county = typeof body.county_id === 'string' ? body.county_id : '';
          const known = status !== 404 && request.user !== undefined && canAccessCounty(request.user, county);
          this.platform.metricsOf(spec.module)?.submitted({
            countyId: known ? county : '',
            kind:
              spec.kindField && typeof body[spec.kindField] === 'string' ? (body[spec.kindField] as string) : undefined,
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
