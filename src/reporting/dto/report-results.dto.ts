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
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Modified Kakwani index G(values) / G(prices), sales by price with ties in sale-id order: < 1 regressive, ' +
      '1 vertical equity, > 1 progressive (Quintos: 0.95 < MKI ≤ 1.05).',
  })
  mki: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Kakwani index G(values) − G(prices).' })
  ki: number | null;
}

export class StratumBootstrapDto {
  @ApiProperty({ enum: ['trimmed'], description: 'The sample resampled.' })
  sample: string;
  @ApiProperty({
    enum: ['classic', 'blb'],
    description: 'classic: n draws per resample (up to 1000 sales); blb: bag of little bootstraps (larger strata).',
  })
  method: string;
  @ApiProperty({ description: 'Resamples drawn.' })
  resamples: number;
  @ApiProperty({ ...NUMBER_PAIR, nullable: true, description: '95 % percentile interval of the COD.' })
  cod_ci: [number, number] | null;
  @ApiProperty({ ...NUMBER_PAIR, nullable: true })
  prd_ci: [number, number] | null;
  @ApiProperty({ ...NUMBER_PAIR, nullable: true })
  mki_ci: [number, number] | null;
}

const VERDICTS = ['no sign of sales chasing', 'possible sales chasing', 'too few sales to judge'];

export class CdfGapDto {
  @ApiProperty({ enum: ['cdf_gap'] })
  method: string;
  @ApiProperty()
  n: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Largest share of sales at one ratio (4 decimals).' })
  largest_jump: number | null;
  @ApiProperty({ type: Number, nullable: true })
  at_ratio: number | null;
  @ApiProperty({ type: Boolean, nullable: true })
  flagged: boolean | null;
  @ApiProperty({ enum: VERDICTS })
  verdict: string;
}

export class DistributionTestDto {
  @ApiProperty({ enum: ['distribution'] })
  method: string;
  @ApiProperty()
  n: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Share of ratios within 0.98–1.02.' })
  share_within: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Share a normal of the same mean and sd puts there.' })
  normal_share: number | null;
  @ApiProperty({ type: Number, nullable: true })
  excess: number | null;
  @ApiProperty({ type: Boolean, nullable: true })
  flagged: boolean | null;
  @ApiProperty({ enum: VERDICTS })
  verdict: string;
}

export class SoldUnsoldDto {
  @ApiProperty({ enum: ['sold_unsold'] })
  method: string;
  @ApiProperty({ description: 'Parcels with a valid sale in the window.' })
  sold: number;
  @ApiProperty({ description: 'Parcels of the same classes with no sale in the window.' })
  unsold: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Median ln(current / prior) of the sold parcels.' })
  sold_median_change: number | null;
  @ApiProperty({ type: Number, nullable: true })
  unsold_median_change: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Sold minus unsold.' })
  difference: number | null;
  @ApiProperty({ ...NUMBER_PAIR, nullable: true, description: '95 % interval (Price–Bonett).' })
  difference_ci: [number, number] | null;
  @ApiProperty({ type: Number, nullable: true })
  mann_whitney_u: number | null;
  @ApiProperty({ type: Number, nullable: true })
  z: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Two-sided p of the rank test of the changes.' })
  p_value: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Median |change − unsold median change| of sold parcels.' })
  sold_median_distance: number | null;
  @ApiProperty({ type: Number, nullable: true })
  unsold_median_distance: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Two-sided p of the rank test of those distances; either p below 0.005 flags chasing.',
  })
  distance_p_value: number | null;
  @ApiProperty({ type: Boolean, nullable: true })
  flagged: boolean | null;
  @ApiProperty({ enum: VERDICTS })
  verdict: string;
}

export class SalesChasingDto {
  @ApiProperty({ enum: ['trimmed'] })
  sample: string;
  @ApiProperty({ type: CdfGapDto })
  cdf_gap: CdfGapDto;
  @ApiProperty({ type: DistributionTestDto })
  distribution: DistributionTestDto;
  @ApiProperty({ type: SoldUnsoldDto, nullable: true, description: 'Null without prior_values.' })
  sold_unsold: SoldUnsoldDto | null;
  @ApiProperty({ enum: VERDICTS, description: '`possible sales chasing` when any method flags it.' })
  verdict: string;
}

export class PriceDecileDto {
  @ApiProperty({ description: '1 = the tenth of sales with the lowest prices.' })
  decile: number;
  @ApiProperty()
  n: number;
  @ApiProperty()
  price_from: number;
  @ApiProperty()
  price_to: number;
  @ApiProperty()
  median_ratio: number;
}

export class LorenzPointDto {
  @ApiProperty()
  share_of_sales: number;
  @ApiProperty()
  price_share: number;
  @ApiProperty()
  value_share: number;
}

export class CdfPointDto {
  @ApiProperty()
  ratio: number;
  @ApiProperty()
  cumulative_share: number;
}

export class RatioChartDataDto {
  @ApiProperty({ description: 'Sales drawn (all sales of the overall stratum, untrimmed).' })
  n: number;
  @ApiProperty({ type: Number, nullable: true })
  median_ratio: number | null;
  @ApiProperty({ type: [PriceDecileDto], description: '10 entries (none under 10 sales).' })
  ratio_by_price_decile: PriceDecileDto[];
  @ApiProperty({ type: [LorenzPointDto], description: '101 points.' })
  lorenz: LorenzPointDto[];
  @ApiProperty({ type: [CdfPointDto], description: '201 points.' })
  ratio_cdf: CdfPointDto[];
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
  @ApiProperty({ type: Boolean, nullable: true, description: '0.95 < MKI ≤ 1.05 (Quintos); not part of compliant.' })
  mki_ok: boolean | null;
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
  @ApiProperty({ type: StratumBootstrapDto })
  bootstrap: StratumBootstrapDto;
  @ApiProperty({ type: SalesChasingDto })
  sales_chasing: SalesChasingDto;
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
  @ApiProperty({ ...NUMBER_PAIR, description: 'Quintos: 0.95 < MKI ≤ 1.05 (open below, closed above).' })
  mki: [number, number];
}

export class BootstrapSettingsDto {
  @ApiProperty()
  resamples: number;
  @ApiProperty()
  seed: number;
  @ApiProperty({ example: 0.95 })
  confidence: number;
  @ApiProperty({ enum: ['percentile'] })
  interval: string;
  @ApiProperty({ enum: ['trimmed'] })
  sample: string;
}

export class ChasingSettingsDto {
  @ApiProperty(NUMBER_PAIR)
  bounds: [number, number];
  @ApiProperty()
  gap: number;
  @ApiProperty({ description: 'Significance level of the sold-versus-unsold rank test.' })
  alpha: number;
  @ApiProperty()
  min_sales: number;
  @ApiProperty({ enum: ['trimmed'] })
  sample: string;
}

export class ComparedVersionDto {
  @ApiProperty({ description: 'The value set as asked (`certified`, `current` or a job_id).' })
  values: string;
  @ApiProperty({ type: [RatioStratumDto] })
  strata: RatioStratumDto[];
  @ApiProperty({ type: RatioChartDataDto })
  charts: RatioChartDataDto;
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
  @ApiProperty({
    type: ValueSetDto,
    nullable: true,
    description: 'The values before (tax_year − 1) of the sold-versus-unsold test; null without prior_values.',
  })
  prior_values: ValueSetDto | null;
  @ApiProperty({ type: BootstrapSettingsDto })
  bootstrap: BootstrapSettingsDto;
  @ApiProperty({ type: ChasingSettingsDto })
  sales_chasing: ChasingSettingsDto;
  @ApiProperty({
    type: RatioChartDataDto,
    description: 'Data of the charts (overall stratum; with `compare`: of the first set, each set in comparison).',
  })
  charts: RatioChartDataDto;
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
