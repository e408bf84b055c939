// The job status document — the body of GET …/status/:job_id, of list items and of
// completion callbacks.
import type { JobErrorReason, JobModuleName, JobStatus } from './job.entity.js';
import type { JobRow } from './jobs.repository.js';

export const API_PREFIX = '/api/v1';

export interface JobLinks {
  self: string;
  results: string;
  cancel: string;
}

export interface JobStatusDocument {
  job_id: string;
  module: JobModuleName;
  county_id: string;
  status: JobStatus;
  progress: number;
  parameters: Record<string, unknown>;
  submitted_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  max_attempts: number;
  cancel_requested: boolean;
  error: { reason: JobErrorReason; message: string } | null;
  links: JobLinks;
}

export function jobLinks(module: JobModuleName, id: string): JobLinks {
  const base = `${API_PREFIX}/${module}`;
  return {
    self: `${base}/status/${id}`,
    results: `${base}/results/${id}`,
    cancel: `${base}/jobs/${id}/cancel`,
  };
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

export function statusDocument(row: JobRow): JobStatusDocument {
  return {
    job_id: row.id,
    module: row.module,
    county_id: row.county_id,
    status: row.status,
    progress: Math.round(Number(row.progress) * 1e4) / 1e4,
    parameters: row.parameters,
    submitted_at: iso(row.submitted_at)!,
    started_at: iso(row.started_at),
    finished_at: iso(row.finished_at),
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    cancel_requested: row.cancel_requested,
    error:
      row.status === 'FAILED' && row.error_reason
        ? { reason: row.error_reason, message: row.error_message ?? '' }
        : null,
    links: jobLinks(row.module, row.id),
  };
}

/** The answer to POST …/run (202, or 200 for an idempotent replay). */
export function submissionDocument(row: JobRow): Record<string, unknown> {
  return {
    job_id: row.id,
    module: row.module,
    status: row.status,
    county_id: row.county_id,
    submitted_at: iso(row.submitted_at),
    links: jobLinks(row.module, row.id),
  };
}
