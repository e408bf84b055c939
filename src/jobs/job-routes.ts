// The decorators of the job routes every module's controller declares (run, status, results, list, cancel):
// route, permission and OpenAPI in one place, so the four controllers cannot drift apart; plus the
// rejected-submission metric of POST …/run. The handlers' shared work is JobRoutesService.
import {
  applyDecorators,
  Get,
  HttpCode,
  Injectable,
  Post,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { catchError, throwError, type Observable } from 'rxjs';
import { RequirePermissions } from '../auth/auth.decorators.js';
import { canAccessCounty } from '../auth/county-access.js';
import type { Permission } from '../auth/permissions.js';
import type { ParcelFilterKind } from '../counties/parcel-filters.repository.js';
import { ApiProblem } from '../common/dto/problem.dto.js';
import { JobListDto, JobStatusDto, JobSubmittedDto } from './dto/job.dto.js';
import { API_PREFIX } from './job-document.js';
import { JobPlatform } from './job-platform.js';
import type { JobModuleName } from './job.entity.js';

/** A module's job routes: its name (the path segment) and the permission of each kind of route. */
export interface JobRouteSpec {
  module: JobModuleName;
  execute: Permission;
  viewStatus: Permission;
  viewResults: Permission;
  /** The run body's field that holds the job kind (stored with the job, a label of the submission metric). */
  kindField?: string;
  /**
   * Run body fields naming neighborhoods or property classes (a name or a list of names): at submission,
   * each name must be one the county's parcels have, else 400 naming it and no job is queued.
   */
  parcelFilters?: readonly { field: string; kind: ParcelFilterKind }[];
}

/** Controller path of a module's business routes (the /api/v1 prefix is set here, not globally). */
export function jobRoutesPath(module: JobModuleName): string {
  return `${API_PREFIX.slice(1)}/${module}`;
}

/**
 * POST …/run (spec.execute): the rejected-submission metric (labelled with the body's spec.kindField) and
 * the OpenAPI of a submission (202 new job, 200 idempotent replay, 400/404/409 problems).
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
    ApiProblem(400, runBadRequest(spec)),
    ApiProblem(404, 'Unknown county (or not one of yours).'),
    ApiProblem(409, 'The Idempotency-Key was used with a different body.'),
  );
}

/** The 400 of a run route: an invalid body, or (where the body names some) an unknown neighborhood or class. */
function runBadRequest(spec: JobRouteSpec): string {
  const kinds = [...new Set((spec.parcelFilters ?? []).map((f) => f.kind.replace('_', ' ')))];
  if (kinds.length === 0) return 'Invalid body (see errors).';
  return `Invalid body (see errors), or it names a ${kinds.join(' or ')} no parcel of the county has.`;
}

/** GET …/status/:job_id (spec.viewStatus): status and progress of one job. */
export function JobStatusRoute(spec: JobRouteSpec): MethodDecorator {
  return applyDecorators(
    Get('status/:job_id'),
    RequirePermissions(spec.viewStatus),
    ApiOperation({ summary: `Status and progress of a ${spec.module} job.` }),
    ApiOkResponse({ type: JobStatusDto }),
    ApiProblem(400, 'job_id is not a UUID.'),
    ApiProblem(404, 'No such job in your counties.'),
  );
}

/**
 * The 200 body of a module's results route: its DTO, or several told apart by `discriminator` (a module with
 * more than one kind of job); `csv` adds a text/csv variant.
 */
export interface JobResultsSchema {
  types: [Type<unknown>, ...Type<unknown>[]];
  discriminator?: { propertyName: string; mapping: Record<string, Type<unknown>> };
  csv?: boolean;
}

/**
 * GET …/results/:job_id (spec.viewResults): the result of a completed job. A module whose results route
 * takes more (reporting's ?format=csv) passes its own summary and 400 description.
 */
export function JobResultsRoute(
  spec: JobRouteSpec,
  results: JobResultsSchema,
  summary = `Result of a completed ${spec.module} job.`,
  badRequest = 'job_id is not a UUID.',
): MethodDecorator {
  const [first, ...others] = results.types;
  const schema =
    others.length === 0
      ? { $ref: getSchemaPath(first) }
      : {
          oneOf: results.types.map((type) => ({ $ref: getSchemaPath(type) })),
          ...(results.discriminator
            ? {
                discriminator: {
                  propertyName: results.discriminator.propertyName,
                  mapping: Object.fromEntries(
                    Object.entries(results.discriminator.mapping).map(([value, type]) => [value, getSchemaPath(type)]),
                  ),
                },
              }
            : {}),
        };
  return applyDecorators(
    Get('results/:job_id'),
    RequirePermissions(spec.viewResults),
    ApiOperation({ summary }),
    ApiExtraModels(...results.types),
    ApiOkResponse({
      description: 'The job (job_id, module, county_id, status, parameters, submitted_at, finished_at) and its result.',
      content: {
        'application/json': { schema },
        ...(results.csv ? { 'text/csv': { schema: { type: 'string' } } } : {}),
      },
    }),
    ApiProblem(400, badRequest),
    ApiProblem(404, 'No such job in your counties.'),
    ApiProblem(409, 'The job is not COMPLETED (job_status names its current status).'),
  );
}

/** GET …/jobs (spec.viewStatus): the module's jobs in the caller's counties, newest first. */
export function JobListRoute(spec: JobRouteSpec): MethodDecorator {
  return applyDecorators(
    Get('jobs'),
    RequirePermissions(spec.viewStatus),
    ApiOperation({ summary: `${spec.module} jobs in your counties, newest first, cursor-paginated.` }),
    ApiOkResponse({ type: JobListDto }),
    ApiProblem(400, 'Invalid filter, limit or cursor.'),
    ApiProblem(404, 'county_id is not one of your counties.'),
  );
}

/** POST …/jobs/:job_id/cancel (spec.execute): 200 once cancelled, 202 while a RUNNING job winds down. */
export function JobCancelRoute(spec: JobRouteSpec): MethodDecorator {
  return applyDecorators(
    Post('jobs/:job_id/cancel'),
    RequirePermissions(spec.execute),
    HttpCode(200),
    ApiOperation({
      summary: `Cancel a ${spec.module} job: a PENDING job is CANCELLED at once (200); a RUNNING one stops at its next progress step (202).`,
    }),
    ApiOkResponse({ type: JobStatusDto, description: 'Cancelled.' }),
    ApiAcceptedResponse({ type: JobStatusDto, description: 'Cancellation requested; the job is still RUNNING.' }),
    ApiProblem(404, 'No such job in your counties.'),
    ApiProblem(409, 'The job already finished.'),
  );
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
