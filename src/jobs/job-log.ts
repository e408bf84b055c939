// Job log lines: every line about a job carries job_id, module, county_id and attempt as fields, so
// a job's story can be pulled out of the logs with one filter.
import type { JobRow } from './jobs.repository.js';

/** The fields of every job log line, beside its message. */
export function jobLine(
  row: Pick<JobRow, 'id' | 'module'> & Partial<Pick<JobRow, 'county_id' | 'attempts'>>,
  msg: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    job_id: row.id,
    module: row.module,
    ...(row.county_id !== undefined ? { county_id: row.county_id } : {}),
    ...(row.attempts !== undefined ? { attempt: row.attempts } : {}),
    ...extra,
    msg,
  };
}
