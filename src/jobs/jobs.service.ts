// What the job routes of every module call: submission (county access, callback policy, idempotency,
// transactional enqueue), status, results, lists and cancellation — one implementation for all modules.
import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { assertCountyAccess, canAccessCounty, countyFilter, type CountyScope } from '../auth/county-access.js';
import { NotFoundProblem, ProblemException, ValidationProblem } from '../common/problem.js';
import { CountiesService } from '../counties/counties.service.js';
import { ParcelFiltersRepository, type ParcelFilter } from '../counties/parcel-filters.repository.js';
import { MetricsService } from '../observability/metrics.service.js';
import { JobCallbacks } from './callbacks/job-callbacks.js';
import { JobPlatform } from './job-platform.js';
import { FINISHED_STATUSES, type JobModuleName, type JobStatus } from './job.entity.js';
import { jobLine } from './job-log.js';
import { JobsRepository, type JobRow } from './jobs.repository.js';

export interface Caller extends CountyScope {
  sub: string;
}

export interface SubmitInput {
  countyId: string;
  /** report_type, analysis_type, export_format; null for valuation. */
  kind: string | null;
  /** The validated run body without callback_url (stored, shown in the status, given to the processor). */
  parameters: Record<string, unknown>;
  callbackUrl?: string | null;
  /** Neighborhoods and property classes the request names; each must be one of the county's. */
  parcelFilters?: readonly ParcelFilter[];
}

export interface Submission {
  row: JobRow;
  /** false: an idempotent replay of an earlier submission. */
  created: boolean;
}

export interface ListInput {
  countyId?: string;
  status?: JobStatus;
  limit: number;
  cursor?: string;
}

/** Printable ASCII without spaces, 1-255 characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@Injectable()
export class JobsService {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly repository: JobsRepository,
    private readonly platform: JobPlatform,
    private readonly counties: CountiesService,
    private readonly parcelFilters: ParcelFiltersRepository,
    private readonly callbacks: JobCallbacks,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Everything a submission must pass before anything is queued: the county exists and is the caller's
   * (else 404), the callback URL is acceptable, the Idempotency-Key is well formed, and every
   * neighborhood or property class the request names is one the county's parcels have.
   */
  async checkSubmission(input: SubmitInput, caller: Caller, idempotencyKey?: string): Promise<void> {
    await this.counties.getCountyOr404(input.countyId, caller);
    const errors = [];
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      errors.push({
        field: 'Idempotency-Key',
        message: 'must be 1-255 printable ASCII characters without spaces (e.g. a UUID)',
      });
    }
    if (input.callbackUrl) {
      const problem = this.callbacks.submissionProblem(input.callbackUrl);
      if (problem) errors.push({ field: 'callback_url', message: problem });
    }
    if (errors.length) throw new ValidationProblem(errors);
    const unknown = await this.parcelFilters.check(input.countyId, input.parcelFilters ?? []);
    if (unknown.length) {
      throw new ValidationProblem(unknown, unknown.map((e) => `${e.field}: ${e.message}`).join('; '));
    }
  }

  async submit(
    module: JobModuleName,
    input: SubmitInput,
    caller: Caller,
    idempotencyKey?: string,
  ): Promise<Submission> {
    await this.checkSubmission(input, caller, idempotencyKey);
    if (!this.platform.queue.running) {
      throw new ProblemException(
        503,
        'queue-unavailable',
        'Service Unavailable',
        'The job queue is not accepting jobs right now (the service is starting or stopping); retry shortly.',
        {},
        { 'retry-after': '5' },
      );
    }
    if (!this.platform.hasProcessor(module)) {
      throw new ProblemException(
        501,
        'not-implemented',
        'Not Implemented',
        `The ${module} engine is not available yet.`,
      );
    }
    const requestHash =
      idempotencyKey === undefined
        ? null
        : sha256(
            canonicalJson({
              county_id: input.countyId,
              parameters: input.parameters,
              callback_url: input.callbackUrl ?? null,
            }),
          );
    const id = randomUUID();
    const queueJobId = randomUUID();
    const { row, created } = await this.repository.transaction(async (client) => {
      const outcome = await this.repository.insertOrFind(client, {
        id,
        module,
        countyId: input.countyId,
        kind: input.kind,
        parameters: input.parameters,
        maxAttempts: this.platform.maxAttempts(),
        queueJobId,
        idempotencyKey: idempotencyKey ?? null,
        requestHash,
        requestedBy: caller.sub,
        callbackUrl: input.callbackUrl ?? null,
      });
      if (outcome.created) await this.platform.queue.send(client, module, id, queueJobId);
      return outcome;
    });
    if (!created && row.request_hash !== requestHash) {
      throw new ProblemException(
        409,
        'idempotency-key-reused',
        'Idempotency-Key reused',
        'This Idempotency-Key was already used with a different request body; use a new key for a new job.',
        { job_id: row.id },
      );
    }
    if (created) this.platform.queue.notify(module);
    this.platform.metricsOf(module)?.submitted({
      countyId: row.county_id,
      kind: row.kind ?? undefined,
      statusOnSubmit: created ? 'accepted' : 'duplicate',
    });
    return { row, created };
  }

  /** The job of `module` with this id, or 404 when it does not exist or its county is not the caller's. */
  async get(module: JobModuleName, id: string, caller: CountyScope, withResult = false): Promise<JobRow> {
    const row = await this.repository.find(id, withResult);
    if (!row || row.module !== module || !canAccessCounty(caller, row.county_id)) throw jobNotFound(id);
    return row;
  }

  /** The completed job with its result; 409 (with the current status) until it is COMPLETED. */
  async results(module: JobModuleName, id: string, caller: CountyScope): Promise<JobRow> {
    const row = await this.get(module, id, caller, true);
    if (row.status !== 'COMPLETED') throw notCompleted(row);
    return row;
  }

  async list(
    module: JobModuleName,
    input: ListInput,
    caller: CountyScope,
  ): Promise<{ items: JobRow[]; next_cursor: string | null }> {
    if (input.countyId !== undefined) {
      assertCountyAccess(caller, input.countyId);
      await this.counties.getCountyOr404(input.countyId, caller);
    }
    const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
    const rows = await this.repository.list({
      module,
      counties: countyFilter(caller),
      countyId: input.countyId,
      status: input.status,
      limit: input.limit + 1,
      after,
    });
    const items = rows.slice(0, input.limit);
    const last = items[items.length - 1];
    const next_cursor = rows.length > input.limit && last ? encodeCursor(last) : null;
    return { items, next_cursor };
  }

  /**
   * PENDING → CANCELLED at once; RUNNING → cancellation requested (the worker stops at its next progress
   * step); finished → 409 with the current status.
   */
  async cancel(module: JobModuleName, id: string, caller: CountyScope): Promise<JobRow> {
    const existing = await this.get(module, id, caller);
    if (FINISHED_STATUSES.includes(existing.status)) throw alreadyFinished(existing);
    const row = await this.repository.requestCancel(id);
    if (!row) {
      // It finished between the read and the update.
      throw alreadyFinished((await this.repository.find(id)) ?? existing);
    }
    if (row.status === 'CANCELLED' && row.queue_job_id) await this.platform.queue.cancel(module, row.queue_job_id);
    if (row.status === 'RUNNING') this.platform.interruptLocal(id);
    this.logger.log(
      jobLine(row, `Job ${id} (${module}) ${row.status === 'CANCELLED' ? 'cancelled' : 'cancellation requested'}`),
    );
    return row;
  }
}

export function jobNotFound(id: string): NotFoundProblem {
  return new NotFoundProblem('Job', `Job '${id}' does not exist.`);
}

function notCompleted(row: JobRow): ProblemException {
  return new ProblemException(
    409,
    'job-not-completed',
    'Job not completed',
    row.status === 'FAILED'
      ? `Job '${row.id}' failed (${row.error_reason}); it has no result. See its status for the error.`
      : `Job '${row.id}' is ${row.status}; results are available once it is COMPLETED.`,
    { job_id: row.id, job_status: row.status, progress: Number(row.progress) },
  );
}

function alreadyFinished(row: JobRow): ProblemException {
  return new ProblemException(
    409,
    'job-finished',
    'Job already finished',
    `Job '${row.id}' is already ${row.status} and cannot be cancelled.`,
    { job_id: row.id, job_status: row.status },
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so the same body hashes the same whatever its key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function encodeCursor(row: JobRow): string {
  return Buffer.from(`${row.cursor_at ?? new Date(row.submitted_at).toISOString()}|${row.id}`).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The instant encodeCursor writes: UTC, milli- or microseconds. */
const CURSOR_AT = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/**
 * Only what encodeCursor writes: Date.parse also takes "0", "1" or "2024-02-30", which PostgreSQL's
 * timestamptz refuses (a 500), so the instant must have the cursor's form and name a real day.
 */
function isCursorInstant(at: string): boolean {
  const match = CURSOR_AT.exec(at);
  if (!match || Number(match[1]) < 1) return false;
  const date = new Date(at);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === at.slice(0, 19);
}

function decodeCursor(cursor: string): { submittedAt: string; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || !UUID.test(id) || !isCursorInstant(at)) {
    throw new ValidationProblem([{ field: 'cursor', message: 'is not a cursor returned by this list' }]);
  }
  return { submittedAt: at, id };
}
