// OpenAPI shapes of the two report results (ratio_study from reporting-engine.ts, assessment_roll from
// assessment-roll.ts), told apart by report_type.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValueSetDto } from '../../counties/dto/value-set.dto.js';
import { DateWindowDto, JobResultBaseDto, NUMBER_PAIR } from '../../jobs/dto/job-results.dto.js';

export class RatioStatisticsDto {
  @ApiProperty()
  n: number;
  @ApiProperty({ type: Number, nullable: true })
  median: number | null;
  @ApiProperty({ type: Number, nullable: true })
  mean: number | null;
  @ApiProperty({ type: Number, nullable: true })
  weighted_mean: number | null;
  @ApiProperty({ type: Number, nullable: true })
  cod: number | null;
  @ApiProperty({ type: Number, nullable: true })
  prd: number | null;
  @ApiProperty({ type: Number, nullable: true })
  prb: number | null;
  @ApiProperty({ ...NUMBER_PAIR, nullable: true })
  prb_ci: [number, number] | null;
  @ApiProperty({ ...NUMBER_PAIR, nullable: true })
  median_ci: [number, number] | null;
}

export class StratumFlagsDto {
  @ApiProperty({ enum: ['trimmed'] })
  basis: string;
  @ApiProperty({ example: 'residential' })
  cod_class: string;
  @ApiProperty(NUMBER_PAIR)
  cod_range: [number, number];
  @ApiProperty({ type: Boolean, nullable: true })
  median_ok: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true })
  cod_ok: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true })
  prd_ok: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true })
  prb_ok: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true })
  prb_significant: boolean | null;
  @ApiProperty({ type: Boolean, nullable: true })
  prb_ci_within_range: boolean | null;
  @ApiProperty()
  sample_ok: boolean;
  @ApiProperty({ type: Boolean, nullable: true })
  compliant: boolean | null;
}

export class ReportGroupDto {
  @ApiProperty({ required: false, example: 'residential' })
  property_class?: string;
  @ApiProperty({ required: false })
  neighborhood?: string;
}

export class RatioStratumDto {
  @ApiProperty({ type: ReportGroupDto, description: 'Empty for the overall stratum.' })
  group: ReportGroupDto;
  @ApiProperty({ type: RatioStatisticsDto })
  untrimmed: RatioStatisticsDto;
  @ApiProperty({ type: RatioStatisticsDto })
  trimmed: RatioStatisticsDto;
  @ApiProperty({ description: 'Sales the IQR rule removed.' })
  trimmed_count: number;
  @ApiProperty({ ...NUMBER_PAIR, nullable: true })
  trim_bounds: [number, number] | null;
  @ApiProperty({ type: StratumFlagsDto })
  flags: StratumFlagsDto;
  @ApiProperty({ type: [String] })
  warnings: string[];
}

export class RatioSalesDto {
  @ApiProperty()
  used: number;
  @ApiProperty()
  without_value: number;
  @ApiProperty()
  zero_value: number;
}

export class CodRangesDto {
  @ApiProperty(NUMBER_PAIR)
  residential: [number, number];
  @ApiProperty(NUMBER_PAIR)
  commercial: [number, number];
  @ApiProperty(NUMBER_PAIR)
  industrial: [number, number];
  @ApiProperty(NUMBER_PAIR)
  vacant: [number, number];
  @ApiProperty(NUMBER_PAIR)
  agricultural: [number, number];
}

export class RatioStandardsDto {
  @ApiProperty(NUMBER_PAIR)
  median: [number, number];
  @ApiProperty(NUMBER_PAIR)
  prd: [number, number];
  @ApiProperty(NUMBER_PAIR)
  prb: [number, number];
  @ApiProperty({ type: CodRangesDto })
  cod: CodRangesDto;
  @ApiProperty()
  min_sales: number;
  @ApiProperty({ enum: ['trimmed'] })
  flags_basis: string;
}

export class ComparedVersionDto {
  @ApiProperty({ description: 'The value set as asked (`certified`, `current` or a job_id).' })
  values: string;
  @ApiProperty({ type: [RatioStratumDto] })
  strata: RatioStratumDto[];
}

export class CompliantChangeDto {
  @ApiProperty()
  from: boolean;
  @ApiProperty()
  to: boolean;
}

export class StratumDifferenceDto {
  @ApiProperty({ type: ReportGroupDto })
  group: ReportGroupDto;
  @ApiProperty({ type: Number, nullable: true, description: 'Trimmed median ratio minus the first set’s.' })
  median: number | null;
  @ApiProperty({ type: Number, nullable: true })
  cod: number | null;
  @ApiProperty({ type: Number, nullable: true })
  prd: number | null;
  @ApiProperty({ type: Number, nullable: true })
  prb: number | null;
  @ApiProperty({ type: CompliantChangeDto, description: 'Meets IAAO standards: first set, this set.' })
  compliant: CompliantChangeDto;
}

export class VersionDifferenceDto {
  @ApiProperty()
  values: string;
  @ApiProperty()
  against: string;
  @ApiProperty({ type: [StratumDifferenceDto] })
  strata: StratumDifferenceDto[];
}

export class RatioComparisonDto {
  @ApiProperty({ type: [ValueSetDto] })
  values: ValueSetDto[];
  @ApiProperty({ type: [ComparedVersionDto] })
  versions: ComparedVersionDto[];
  @ApiProperty({ type: [VersionDifferenceDto], description: 'Each set after the first, against the first.' })
  differences: VersionDifferenceDto[];
}

export class RatioStudyResultsDto extends JobResultBaseDto {
  @ApiProperty({ enum: ['ratio_study'] })
  report_type: 'ratio_study';
  @ApiProperty()
  tax_year: number;
  @ApiProperty({ format: 'date' })
  valuation_date: string;
  @ApiProperty({ type: DateWindowDto })
  sales_window: DateWindowDto;
  @ApiProperty({ enum: ['property_class', 'neighborhood'], isArray: true })
  group_by: string[];
  @ApiProperty()
  trim_factor: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'The market trend sale prices were adjusted to the valuation date with (null: not adjusted).',
  })
  time_adjustment: Record<string, unknown> | null;
  @ApiProperty({ type: ValueSetDto, description: 'The values studied (with `compare`: the first compared set).' })
  values: ValueSetDto;
  @ApiProperty({ type: RatioSalesDto })
  sales: RatioSalesDto;
  @ApiProperty({ type: RatioStandardsDto })
  standards: RatioStandardsDto;
  @ApiProperty({ type: [RatioStratumDto], description: 'The overall stratum first, then one per group.' })
  strata: RatioStratumDto[];
  @ApiPropertyOptional({
    type: RatioComparisonDto,
    description: 'With `compare`: every compared set on the same sales, and their differences from the first.',
  })
  comparison?: RatioComparisonDto;
}

export class RollSumsDto {
  @ApiProperty()
  parcel_count: number;
  @ApiProperty()
  land_value: number;
  @ApiProperty()
  improvement_value: number;
  @ApiProperty()
  total_value: number;
}

export class ChangeDto {
  @ApiProperty()
  absolute: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Relative change (0.05 = +5 %); null when prior is 0.' })
  percent: number | null;
}

export class RollChangeDto {
  @ApiProperty({ type: ChangeDto })
  parcel_count: ChangeDto;
  @ApiProperty({ type: ChangeDto })
  land_value: ChangeDto;
  @ApiProperty({ type: ChangeDto })
  improvement_value: ChangeDto;
  @ApiProperty({ type: ChangeDto })
  total_value: ChangeDto;
}

export class RollGroupDto extends RollSumsDto {
  @ApiProperty({ type: ReportGroupDto, description: 'Empty for the overall figures.' })
  group: ReportGroupDto;
  @ApiProperty({ type: RollSumsDto, nullable: true })
  prior: RollSumsDto | null;
  @ApiProperty({ type: RollChangeDto, nullable: true })
  change: RollChangeDto | null;
}

export class AssessmentRollResultsDto extends JobResultBaseDto {
  @ApiProperty({ type: ValueSetDto, description: 'The values of the tax year summed.' })
  values: ValueSetDto;
  @ApiProperty({ type: ValueSetDto, description: "The prior year's values compared with (certified with certified)." })
  prior_values: ValueSetDto;
  @ApiProperty({ enum: ['assessment_roll'] })
  report_type: 'assessment_roll';
  @ApiProperty()
  tax_year: number;
  @ApiProperty()
  prior_year: number;
  @ApiProperty({ description: "Whether the prior year's roll has any values for the county." })
  prior_year_available: boolean;
  @ApiProperty({ type: RollGroupDto })
  overall: RollGroupDto;
  @ApiProperty({ type: [RollGroupDto] })
  by_property_class: RollGroupDto[];
  @ApiProperty({ type: [RollGroupDto] })
  by_neighborhood: RollGroupDto[];
}
