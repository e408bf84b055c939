// Body of POST /api/v1/reporting/run.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { VALUES_SELECTOR_MESSAGE, VALUES_SELECTOR_PATTERN } from '../counties/value-sets.repository.js';
import { JobRunBaseDto } from '../jobs/dto/job.dto.js';
import { IsCalendarDate, IsOnOrAfter, IsTaxYear, MIN_TAX_YEAR } from '../jobs/dto/validators.js';

export const REPORT_TYPES = ['ratio_study', 'assessment_roll'] as const;
export const REPORT_GROUPS = ['property_class', 'neighborhood'] as const;
/** Most value sets one ratio study compares. */
export const MAX_COMPARED = 5;

/** Bounds of the bootstrap settings of a ratio study. */
export const BOOTSTRAP_LIMITS = { minResamples: 100, maxResamples: 10_000, maxSeed: 4_294_967_295 } as const;

export class BootstrapOptionsDto {
  @ApiPropertyOptional({
    default: 1000,
    minimum: BOOTSTRAP_LIMITS.minResamples,
    maximum: BOOTSTRAP_LIMITS.maxResamples,
    description: 'Resamples drawn for each interval.',
  })
  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(BOOTSTRAP_LIMITS.minResamples)
  @Max(BOOTSTRAP_LIMITS.maxResamples)
  resamples?: number;

  @ApiPropertyOptional({
    default: 20240101,
    minimum: 0,
    maximum: BOOTSTRAP_LIMITS.maxSeed,
    description: 'Seed of the resampling: the same seed and data give the same intervals.',
  })
  @IsOptional()
  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(BOOTSTRAP_LIMITS.maxSeed)
  seed?: number;
}

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

  @ApiPropertyOptional({
    default: 'current',
    example: 'current',
    description:
      'Which values to study: `certified` (the roll as imported), `current` (the adopted valuation of the tax ' +
      'year, else certified) or the job_id of a completed valuation of the county and year.',
  })
  @IsOptional()
  @IsString()
  @Matches(VALUES_SELECTOR_PATTERN, { message: VALUES_SELECTOR_MESSAGE })
  values?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['certified', 'current'],
    minItems: 2,
    maxItems: MAX_COMPARED,
    description:
      'ratio_study: compare these value sets (each as in `values`) on the same sales, side by side with the ' +
      'differences from the first. Replaces `values`.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(MAX_COMPARED)
  @ArrayUnique((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v), {
    message: 'must not repeat a value set',
  })
  @IsString({ each: true })
  @Matches(VALUES_SELECTOR_PATTERN, { each: true, message: `each value ${VALUES_SELECTOR_MESSAGE}` })
  compare?: string[];

  @ApiPropertyOptional({
    type: BootstrapOptionsDto,
    description:
      'ratio_study: the bootstrap 95 % percentile intervals of COD, PRD and MKI (default 1000 resamples, seed 20240101).',
  })
  @IsOptional()
  @IsObject({ message: 'must be an object' })
  @ValidateNested()
  @Type(() => BootstrapOptionsDto)
  bootstrap?: BootstrapOptionsDto;

  @ApiPropertyOptional({
    example: 'certified',
    description:
      'ratio_study: the values before the ones studied, of tax_year − 1 (`certified`, `current` or the job_id of a ' +
      'valuation of that year), for the sold-versus-unsold test of sales chasing.',
  })
  @IsOptional()
  @IsString()
  @Matches(VALUES_SELECTOR_PATTERN, { message: VALUES_SELECTOR_MESSAGE })
  prior_values?: string;
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
  values?: string;
  compare?: string[];
  bootstrap?: { resamples?: number; seed?: number };
  prior_values?: string;
}

export const REPORT_FORMATS = ['json', 'csv'] as const;

/** Query of GET /api/v1/reporting/results/:job_id. */
export class ReportResultsQueryDto {
  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json', description: 'csv: the report as a tidy CSV file.' })
  @IsOptional()
  @IsIn(REPORT_FORMATS, { message: `must be one of ${REPORT_FORMATS.join(', ')}` })
  format?: (typeof REPORT_FORMATS)[number];
}
