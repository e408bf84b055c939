// Valuation versions: every valuation job keeps its values as a version of its own; an office lists them,
// adopts one as the county's current values of its tax year (switching later loses nothing), and deletes
// the ones it no longer needs (never the adopted one).
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { assertCountyAccess } from '../auth/county-access.js';
import { ProblemException } from '../common/problem.js';
import { JobRoutesService } from '../jobs/job-routes.service.js';
import { BusinessEvents } from '../logging/business-events.js';
import type { JobRow } from '../jobs/jobs.repository.js';
import type { ValuationAdoptionDto, ValuationVersionDto } from './dto/valuation-version.dto.js';
import { ValuationRepository, type ValuationVersionRow } from './valuation.repository.js';

const MODULE = 'valuation' as const;

/** 410: the job completed, but its values were deleted since. */
export function versionDeleted(jobId: string): ProblemException {
  return new ProblemException(
    410,
    'valuation-values-deleted',
    'Gone',
    `The values of valuation job ${jobId} were deleted; run the valuation again to get values.`,
  );
}

@Injectable()
export class ValuationVersionsService {
  constructor(
    private readonly jobs: JobRoutesService,
    private readonly repository: ValuationRepository,
    private readonly events: BusinessEvents,
  ) {}

  async list(countyId: string, taxYear: number | undefined, user: AuthUser): Promise<ValuationVersionDto[]> {
    assertCountyAccess(user, countyId);
    return (await this.repository.listVersions(countyId, taxYear)).map(versionDocument);
  }

  /** The version of a COMPLETED valuation in the caller's counties (404/409 otherwise, 410 when deleted). */
  async find(jobId: string, user: AuthUser): Promise<ValuationVersionRow> {
    return (await this.findWithJob(jobId, user)).version;
  }

  /** find(), with the job's row (its result document included). */
  async findWithJob(jobId: string, user: AuthUser): Promise<{ job: JobRow; version: ValuationVersionRow }> {
    const job = await this.jobs.completed(MODULE, jobId, user);
    const version = await this.repository.findVersion(job.id);
    if (version === null) throw versionDeleted(job.id);
    return { job, version };
  }

  /** The newest stored regression version of a county and tax year, or null. */
  async latestRegression(countyId: string, taxYear: number): Promise<ValuationVersionRow | null> {
    return (await this.repository.listVersions(countyId, taxYear)).find((v) => v.method === 'regression') ?? null;
  }

  async adopt(jobId: string, user: AuthUser): Promise<ValuationAdoptionDto> {
    const job = await this.jobs.completed(MODULE, jobId, user);
    const adoption = await this.repository.adopt(job.id, user.sub);
    if (adoption === null) throw versionDeleted(job.id);
    const { version, previous_job_id } = adoption;
    this.events.log('valuation_adopted', {
      module: MODULE,
      county_id: version.county_id,
      job_id: version.job_id,
      user_id: user.sub,
      figures: {
        tax_year: Number(version.tax_year),
        parcel_count: version.parcel_count,
        previously_adopted_job_id: previous_job_id,
      },
    });
    return { ...versionDocument(version), previously_adopted_job_id: previous_job_id };
  }

  async delete(jobId: string, user: AuthUser): Promise<void> {
    const job = await this.jobs.completed(MODULE, jobId, user);
    const outcome = await this.repository.deleteVersion(job.id);
    if (outcome === 'missing') throw versionDeleted(job.id);
    if (outcome === 'adopted') {
      throw new ProblemException(
        409,
        'valuation-version-adopted',
        'Conflict',
        `The values of valuation job ${job.id} are the adopted (current) values of their county and tax year; ` +
          'adopt another version first, then delete this one.',
      );
    }
  }
}

export function versionDocument(row: ValuationVersionRow): ValuationVersionDto {
  return {
    job_id: row.job_id,
    county_id: row.county_id,
    tax_year: Number(row.tax_year),
    method: row.method,
    neighborhoods: row.neighborhoods,
    parcel_count: row.parcel_count,
    written_at: new Date(row.written_at).toISOString(),
    adopted: row.adopted_at !== null,
    adopted_at: row.adopted_at === null ? null : new Date(row.adopted_at).toISOString(),
    adopted_by: row.adopted_by,
  };
}
