// What the job routes of every module do once the controller has its request: submit and answer 202 +
// Location, and shape the job documents of status, results, list and cancel. Controllers declare the
// routes (decorators in job-routes.ts) and call one method here each.
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import type { JobListDto, JobRunBaseDto, JobStatusDto, JobSubmittedDto, ListJobsQueryDto } from './dto/job.dto.js';
import { statusDocument, submissionDocument } from './job-document.js';
import type { JobRouteSpec } from './job-routes.js';
import type { JobModuleName } from './job.entity.js';
import type { JobRow } from './jobs.repository.js';
import { JobsService, type Submission } from './jobs.service.js';

/** What a run handler passes on from its request: the caller, the reply (status, Location) and the key. */
export interface RunRequest {
  user: AuthUser;
  reply: FastifyReply;
  idempotencyKey?: string;
}

export const DEFAULT_LIST_LIMIT = 20;

@Injectable()
export class JobRoutesService {
  constructor(private readonly jobs: JobsService) {}

  /**
   * The rest of a module's POST …/run once it has mapped its DTO to the job parameters: submit, then
   * answer 202 + Location (200 for an idempotent replay). callback_url is never stored as a parameter,
   * so a module whose parameters are its whole body may pass the body; fields left undefined are not
   * stored either.
   */
  async submit(
    spec: JobRouteSpec,
    request: RunRequest,
    body: JobRunBaseDto,
    parameters: object,
  ): Promise<JobSubmittedDto> {
    const { callback_url: _callbackUrl, ...stored } = parameters as Record<string, unknown>;
    const fields = body as unknown as Record<string, unknown>;
    const kind = spec.kindField ? (fields[spec.kindField] as string) : null;
    const parcelFilters = (spec.parcelFilters ?? []).map(({ field, kind: filterKind }) => ({
      field,
      kind: filterKind,
      values: namesOf(fields[field]),
    }));
    const submission = await this.jobs.submit(
      spec.module,
      { countyId: body.county_id, kind, parameters: stored, callbackUrl: body.callback_url ?? null, parcelFilters },
      request.user,
      request.idempotencyKey,
    );
    return answerSubmission(request.reply, submission) as unknown as JobSubmittedDto;
  }

  async status(module: JobModuleName, jobId: string, user: AuthUser): Promise<JobStatusDto> {
    return statusDocument(await this.jobs.get(module, jobId, user)) as unknown as JobStatusDto;
  }

  /** The job's fields, then its result's fields (the job's own keep their value on a clash). */
  async results(module: JobModuleName, jobId: string, user: AuthUser): Promise<Record<string, unknown>> {
    const row = await this.jobs.results(module, jobId, user);
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
      row.result && typeof row.result === 'object' && !Array.isArray(row.result) ? row.result : { result: row.result };
    return { ...meta, ...result, ...meta };
  }

  /** The row of a COMPLETED job in the caller's counties (404/409 otherwise), for routes that serve more of it. */
  completed(module: JobModuleName, jobId: string, user: AuthUser): Promise<JobRow> {
    return this.jobs.results(module, jobId, user);
  }

  async list(module: JobModuleName, query: ListJobsQueryDto, user: AuthUser): Promise<JobListDto> {
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

  /** 200 with the CANCELLED job; 202 when the job is RUNNING and stops at its next progress step. */
  async cancel(module: JobModuleName, jobId: string, user: AuthUser, reply: FastifyReply): Promise<JobStatusDto> {
    const row = await this.jobs.cancel(module, jobId, user);
    if (row.status === 'RUNNING') void reply.status(202);
    return statusDocument(row) as unknown as JobStatusDto;
  }
}

/** The names a validated filter field holds: one name, a list of them, or none when it was left out. */
function namesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** 202 + Location for a new job; 200 (Idempotent-Replayed: true) for a replay of the same request. */
export function answerSubmission(reply: FastifyReply, submission: Submission): Record<string, unknown> {
  const body = submissionDocument(submission.row);
  void reply.status(submission.created ? 202 : 200).header('location', (body.links as { self: string }).self);
  if (!submission.created) void reply.header('idempotent-replayed', 'true');
  return body;
}
