// Request and response shapes shared by the job routes of every module.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUrl, IsUUID, MaxLength } from 'class-validator';
import { COUNTY_ID_PATTERN } from '../../common/county-id.js';
import { CursorPageQueryDto } from '../../common/page-query.dto.js';
import { IsCountyId, IsPageLimit } from '../../common/validation.js';
import { JOB_ERROR_REASONS, JOB_MODULES, JOB_STATUSES } from '../job.entity.js';

/** Fields every run body has. */
export class JobRunBaseDto {
  @ApiProperty({ example: 'demo', pattern: COUNTY_ID_PATTERN.source })
  @IsString()
  @IsCountyId()
  county_id: string;

  @ApiPropertyOptional({
    example: 'https://hooks.example.gov/terrafusion',
    description:
      'POSTed the status document when the job completes or fails, signed with X-TerraFusion-Signature: ' +
      'sha256=<HMAC-SHA256 of the body with the shared WEBHOOK_SECRET>.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true },
    { message: 'must be an http:// or https:// URL' },
  )
  callback_url?: string;
}

export class JobIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'must be a UUID' })
  job_id: string;
}

export class ListJobsQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ example: 'demo' })
  @IsOptional()
  @IsCountyId()
  county_id?: string;

  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional()
  @IsIn(JOB_STATUSES, { message: `must be one of ${JOB_STATUSES.join(', ')}` })
  status?: (typeof JOB_STATUSES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsPageLimit(100)
  limit?: number;
}

export class JobLinksDto {
  @ApiProperty({ example: '/api/v1/valuation/status/6d0c…' })
  self: string;
  @ApiProperty({ example: '/api/v1/valuation/results/6d0c…' })
  results: string;
  @ApiProperty({ example: '/api/v1/valuation/jobs/6d0c…/cancel' })
  cancel: string;
}

export class JobSubmittedDto {
  @ApiProperty({ format: 'uuid' })
  job_id: string;
  @ApiProperty({ enum: JOB_MODULES })
  module: string;
  @ApiProperty({ enum: JOB_STATUSES, example: 'PENDING' })
  status: string;
  @ApiProperty({ example: 'demo' })
  county_id: string;
  @ApiProperty({ format: 'date-time' })
  submitted_at: string;
  @ApiProperty({ type: JobLinksDto })
  links: JobLinksDto;
}

export class JobErrorDto {
  @ApiProperty({ enum: JOB_ERROR_REASONS })
  reason: string;
  @ApiProperty({ example: 'Only 12 valid sales in the lookback window; at least 60 are needed.' })
  message: string;
}

export class JobStatusDto {
  @ApiProperty({ format: 'uuid' })
  job_id: string;
  @ApiProperty({ enum: JOB_MODULES })
  module: string;
  @ApiProperty({ example: 'demo' })
  county_id: string;
  @ApiProperty({ enum: JOB_STATUSES })
  status: string;
  @ApiProperty({ minimum: 0, maximum: 1, example: 0.42 })
  progress: number;
  @ApiProperty({ type: 'object', additionalProperties: true })
  parameters: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' })
  submitted_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  finished_at: string | null;
  @ApiProperty({ example: 1, description: 'Attempts started so far (retries after transient failures count).' })
  attempts: number;
  @ApiProperty({ example: 3 })
  max_attempts: number;
  @ApiProperty({ description: 'A cancellation was requested; a running job stops at its next progress step.' })
  cancel_requested: boolean;
  @ApiProperty({ type: JobErrorDto, nullable: true })
  error: JobErrorDto | null;
  @ApiProperty({ type: JobLinksDto })
  links: JobLinksDto;
}

export class JobListDto {
  @ApiProperty({ type: [JobStatusDto] })
  items: JobStatusDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next page; null on the last.' })
  next_cursor: string | null;
}
