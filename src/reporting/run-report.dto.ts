// Body of POST /api/v1/reporting/run.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsNumber,
  IsOptional,
  Max,
  Min,
} from 'class-validator';
import { JobRunBaseDto } from '../jobs/dto/job.dto.js';
import { IsCalendarDate, IsOnOrAfter, IsTaxYear, MIN_TAX_YEAR } from '../jobs/dto/validators.js';

export const REPORT_TYPES = ['ratio_study', 'assessment_roll'] as const;
export const REPORT_GROUPS = ['property_class', 'neighborhood'] as const;

export class RunReportDto extends JobRunBaseDto {
  @ApiProperty({ example: 2025, minimum: MIN_TAX_YEAR })
  @IsTaxYear()
  tax_year: number;

  @ApiProperty({ enum: REPORT_TYPES })
  @IsIn(REPORT_TYPES, { message: `must be one of ${REPORT_TYPES.join(', ')}` })
  report_type: (typeof REPORT_TYPES)[number];

  @ApiPropertyOptional({ example: '2024-01-01', description: 'First sale date of the study (YYYY-MM-DD).' })
  @IsOptional()
  @IsCalendarDate()
  sales_from?: string;

  @ApiPropertyOptional({ example: '2024-12-31', description: 'Last sale date of the study (YYYY-MM-DD).' })
  @IsOptional()
  @IsCalendarDate()
  @IsOnOrAfter('sales_from')
  sales_to?: string;

  @ApiPropertyOptional({ enum: REPORT_GROUPS, isArray: true, description: 'Strata besides the overall one.' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(REPORT_GROUPS.length)
  @ArrayUnique()
  @IsIn(REPORT_GROUPS, { each: true, message: `each value must be one of ${REPORT_GROUPS.join(', ')}` })
  group_by?: Array<(typeof REPORT_GROUPS)[number]>;

  @ApiPropertyOptional({
    default: false,
    description:
      'ratio_study: adjust sale prices to the valuation date (1 January of tax_year) with the fitted market trend.',
  })
  @IsOptional()
  @IsBoolean()
  time_adjust?: boolean;

  @ApiPropertyOptional({
    default: 1.5,
    minimum: 0.5,
    maximum: 10,
    description: 'ratio_study: IQR factor k of the outlier rule (ratios outside [Q1 − k·IQR, Q3 + k·IQR] are trimmed).',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.5)
  @Max(10)
  trim_factor?: number;
}

/** Run parameters as stored with the job and handed to the processor. */
export interface ReportParameters {
  county_id: string;
  tax_year: number;
  report_type: (typeof REPORT_TYPES)[number];
  sales_from?: string;
  sales_to?: string;
  group_by?: Array<(typeof REPORT_GROUPS)[number]>;
  time_adjust?: boolean;
  trim_factor?: number;
}

export const REPORT_FORMATS = ['json', 'csv'] as const;

/** Query of GET /api/v1/reporting/results/:job_id. */
export class ReportResultsQueryDto {
  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json', description: 'csv: the report as a tidy CSV file.' })
  @IsOptional()
  @IsIn(REPORT_FORMATS, { message: `must be one of ${REPORT_FORMATS.join(', ')}` })
  format?: (typeof REPORT_FORMATS)[number];
}
