// Request and OpenAPI shape of GET /api/v1/valuation/results/:job_id/parcels/:parcel_id/comparables: the most
// comparable valid sales of a parcel, adjusted to it with the regression's coefficients, and reconciled.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, Length } from 'class-validator';
import { IsPageLimit } from '../../common/validation.js';
import { CHARACTERISTICS } from '../../statistics/sales-comparison.js';

export const MAX_COMPARABLES = 25;
export const DEFAULT_COMPARABLES = 5;

export class ComparablesParamsDto {
  @ApiProperty({ format: 'uuid', description: 'A completed regression valuation.' })
  @IsUUID('all', { message: 'must be a UUID' })
  job_id: string;

  @ApiProperty({ example: '01-0001-001', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  parcel_id: string;
}

export class ComparablesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_COMPARABLES, default: DEFAULT_COMPARABLES })
  @IsPageLimit(MAX_COMPARABLES)
  limit?: number;
}

export class ComparableSubjectDto {
  @ApiProperty({ example: '01-0001-001' })
  parcel_id: string;
  @ApiProperty({ example: 'Oak Hill' })
  neighborhood: string;
  @ApiProperty({ example: 'residential' })
  property_class: string;
  @ApiProperty({ example: 1850 })
  building_sqft: number;
  @ApiProperty({ example: 7200 })
  land_sqft: number;
  @ApiProperty({ example: 1994 })
  year_built: number;
  @ApiProperty({ example: 31, description: 'Years from year_built to the valuation date (as the model counts it).' })
  age: number;
  @ApiProperty({ example: 4 })
  quality: number;
  @ApiProperty({ example: 3 })
  condition: number;
  @ApiProperty({ example: 2.5 })
  bathrooms: number;
  @ApiProperty({ type: Number, nullable: true, example: -86.5264 })
  lon: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 39.1653 })
  lat: number | null;
}

export class ComparableModelValueDto {
  @ApiProperty({ example: 61000 })
  land_value: number;
  @ApiProperty({ example: 244000 })
  improvement_value: number;
  @ApiProperty({ example: 305000, description: "The parcel's total in the valuation's version." })
  total_value: number;
}

export class ComparableAdjustmentDto {
  @ApiProperty({
    enum: CHARACTERISTICS,
    description: 'Applied in this order after the time adjustment: location, then the physical characteristics.',
  })
  characteristic: string;
  @ApiProperty({
    oneOf: [{ type: 'number' }, { type: 'string' }],
    example: 1850,
    description: "The subject's value: the neighborhood for location, years for age, square feet for the areas.",
  })
  subject_value: number | string;
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }], example: 1640 })
  comparable_value: number | string;
  @ApiProperty({
    example: 0.066233,
    description: "The model's log-price difference subject − comparable for this characteristic.",
  })
  log_adjustment: number;
  @ApiProperty({ example: 1.068476, description: 'exp(log_adjustment): the factor applied to the running price.' })
  factor: number;
  @ApiProperty({
    example: 19734.52,
    description: 'Dollars: the running price after this factor minus before it, each rounded to the cent.',
  })
  amount: number;
}

export class ComparableSaleDto {
  @ApiProperty({ example: 1, description: 'Position, most comparable first.' })
  rank: number;
  @ApiProperty({ example: '48213' })
  sale_id: string;
  @ApiProperty({ example: '01-0042-007' })
  parcel_id: string;
  @ApiProperty({ format: 'date', example: '2024-05-17' })
  sale_date: string;
  @ApiProperty({ example: 289000 })
  sale_price: number;
  @ApiProperty({ example: 'Oak Hill' })
  neighborhood: string;
  @ApiProperty({ type: Number, nullable: true, example: 0.412, description: 'Kilometres from the subject.' })
  distance_km: number | null;
  @ApiProperty({
    example: 0.183412,
    description: 'Comparison distance (log-price units): gross log adjustment plus the distance penalties.',
  })
  distance_score: number;
  @ApiProperty({ example: 7.46, description: 'Months from the sale to the valuation date.' })
  months_before_valuation_date: number;
  @ApiProperty({ example: 10917.11, description: 'Dollars: the market change to the valuation date (model trend).' })
  time_adjustment: number;
  @ApiProperty({ example: 299917.11 })
  time_adjusted_price: number;
  @ApiProperty({ type: [ComparableAdjustmentDto] })
  adjustments: ComparableAdjustmentDto[];
  @ApiProperty({ example: 306112.4, description: 'time_adjusted_price + Σ adjustments[].amount, exactly to the cent.' })
  adjusted_price: number;
  @ApiProperty({ example: 17112.4, description: 'adjusted_price − sale_price.' })
  net_adjustment: number;
  @ApiProperty({ example: 38211.9, description: 'Σ |every dollar adjustment|, time included.' })
  gross_adjustment: number;
  @ApiProperty({ example: 0.1322, description: 'gross_adjustment / sale_price.' })
  gross_adjustment_share: number;
  @ApiProperty({ example: 0.243108, description: 'Reconciliation weight (the weights sum to 1).' })
  weight: number;
}

export class ComparableSearchDto {
  @ApiProperty({ format: 'date', description: "First sale date considered (the valuation's sales window)." })
  sales_from: string;
  @ApiProperty({ format: 'date', description: 'Last sale date considered: the valuation date.' })
  sales_to: string;
  @ApiProperty({ type: [String], description: "Neighborhoods searched, the subject's first." })
  neighborhoods: string[];
  @ApiProperty({ description: "Whether the subject's neighborhood had too few sales and nearby ones were added." })
  widened: boolean;
  @ApiProperty({
    description:
      'Parcels of the property class examined, those nearest the subject by a lower bound of the comparison ' +
      'distance first; the others cannot hold a more comparable sale.',
  })
  parcels_examined: number;
  @ApiProperty({ description: 'Valid sales of the examined parcels the comparables were chosen from.' })
  candidate_sales: number;
}

export class ComparisonMethodDto {
  @ApiProperty({ example: 0.02, description: 'Distance penalty per kilometre (log-price units).' })
  per_km_penalty: number;
  @ApiProperty({ example: 0.1, description: 'Distance penalty for a sale in another neighborhood (log-price units).' })
  other_neighborhood_penalty: number;
  @ApiProperty({
    example: 0.05,
    description: 'Weights are 1 / max(gross_adjustment_share, this floor), normalised to sum to 1.',
  })
  gross_share_floor: number;
  @ApiProperty({ example: 0.00498, description: "The model's log market change per month (time adjustment)." })
  time_trend_monthly: number;
}

export class ComparablesDto {
  @ApiProperty({ format: 'uuid' })
  job_id: string;
  @ApiProperty({ example: 'demo' })
  county_id: string;
  @ApiProperty({ example: 2025 })
  tax_year: number;
  @ApiProperty({ format: 'date', example: '2025-01-01' })
  valuation_date: string;
  @ApiProperty({ type: ComparableSubjectDto })
  subject: ComparableSubjectDto;
  @ApiProperty({ type: ComparableModelValueDto, description: "The parcel's values in the valuation's version." })
  model_value: ComparableModelValueDto;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 302500.12,
    description: 'The weighted reconciliation of the adjusted prices (null when no comparable sale was found).',
  })
  indicated_value: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.9918, description: 'indicated_value / model total_value.' })
  indicated_to_model_ratio: number | null;
  @ApiProperty({ type: ComparisonMethodDto })
  method: ComparisonMethodDto;
  @ApiProperty({ type: ComparableSearchDto })
  search: ComparableSearchDto;
  @ApiProperty({ type: [ComparableSaleDto], description: 'Most comparable first.' })
  comparables: ComparableSaleDto[];
}
