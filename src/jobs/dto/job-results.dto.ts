// The fields every GET …/results/:job_id body starts with (JobRoutesService.results); each module's results
// DTO extends this with the fields of its result.
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { JOB_MODULES } from '../job.entity.js';

export class JobResultBaseDto {
  @ApiProperty({ format: 'uuid' })
  job_id: string;
  @ApiProperty({ enum: JOB_MODULES })
  module: string;
  @ApiProperty({ example: 'demo' })
  county_id: string;
  @ApiProperty({ enum: ['COMPLETED'] })
  status: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The run body (without callback_url).' })
  parameters: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' })
  submitted_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  finished_at: string | null;
}

/** `[low, high]`: a range or a 95 % confidence interval. */
export const NUMBER_PAIR: ApiPropertyOptions = { type: [Number], minItems: 2, maxItems: 2 };

/** The `{from, to}` dates (YYYY-MM-DD) of a window of sales. */
export class DateWindowDto {
  @ApiProperty({ format: 'date', example: '2024-01-01' })
  from: string;
  @ApiProperty({ format: 'date', example: '2024-12-31' })
  to: string;
}
