// OpenAPI shape of a valuation's results (ValuationResult in valuation-engine.ts) and of its per-parcel pages.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JobResultBaseDto } from '../../jobs/dto/job-results.dto.js';

export class ValuedByDto {
  @ApiProperty({ description: 'Parcels valued by the market model.' })
  market_model: number;
  @ApiProperty({ description: 'Parcels valued by depreciated cost plus land.' })
  cost: number;
  @ApiProperty({ description: 'Parcels valued by land alone.' })
  land_only: number;
}

export class ValueTotalsDto {
  @ApiProperty()
  parcel_count: number;
  @ApiProperty()
  total_value: number;
  @ApiProperty()
  land_value: number;
  @ApiProperty()
  improvement_value: number;
  @ApiProperty({ type: Number, nullable: true })
  median_value: number | null;
}

export class ValuationSummaryDto extends ValueTotalsDto {
  @ApiProperty({ type: Number, nullable: true })
  mean_value: number | null;
  @ApiProperty({ type: ValuedByDto })
  valued_by: ValuedByDto;
  @ApiProperty({
    description: "Parcel values stored as this job's version (adopt it to make them the county's current values).",
  })
  stored_values: number;
}

export class CoefficientDto {
  @ApiProperty({ example: 'ln_building_sqft' })
  term: string;
  @ApiProperty()
  estimate: number;
  @ApiProperty()
  std_error: number;
  @ApiProperty()
  t_value: number;
}

export class ValuationDiagnosticsDto {
  @ApiProperty()
  n_sales: number;
  @ApiProperty({ format: 'date' })
  sales_from: string;
  @ApiProperty({ format: 'date' })
  sales_to: string;
  @ApiProperty()
  lookback_months: number;
  @ApiProperty({ type: Number, nullable: true })
  r_squared: number | null;
  @ApiProperty({ type: Number, nullable: true })
  adj_r_squared: number | null;
  @ApiProperty({ type: Number, nullable: true })
  residual_std_error: number | null;
  @ApiProperty()
  cod: number;
  @ApiProperty()
  prd: number;
  @ApiProperty()
  median_ratio: number;
  @ApiProperty()
  mean_ratio: number;
  @ApiProperty()
  weighted_mean_ratio: number;
  @ApiProperty({ description: 'Log market change per month (sales are adjusted to the valuation date with it).' })
  time_trend_monthly: number;
  @ApiProperty({ type: Number, nullable: true })
  smearing_factor: number | null;
  @ApiProperty({ type: String, nullable: true })
  base_neighborhood: string | null;
  @ApiProperty({ type: Number, nullable: true })
  land_share: number | null;
  @ApiProperty({ type: Number, nullable: true })
  county_market_factor: number | null;
  @ApiProperty({ type: [CoefficientDto] })
  coefficients: CoefficientDto[];
}

export class NeighborhoodValuationDto extends ValueTotalsDto {
  @ApiProperty()
  neighborhood: string;
  @ApiProperty({ description: 'Sales the method was calibrated on in this neighborhood.' })
  n_sales: number;
  @ApiProperty({ type: Number, nullable: true })
  median_ratio: number | null;
  @ApiProperty({ type: Number, nullable: true })
  cod: number | null;
  @ApiProperty()
  land_rate_per_sqft: number;
  @ApiProperty()
  typical_lot_sqft: number;
  @ApiPropertyOptional({ description: 'Cost method: the neighborhood market factor.' })
  market_factor?: number;
  @ApiPropertyOptional({ description: 'Regression method: the log location effect against the base neighborhood.' })
  location_effect?: number;
}

export class PropertyClassValuationDto extends ValueTotalsDto {
  @ApiProperty({ example: 'residential' })
  property_class: string;
}

export class ValuationResultsDto extends JobResultBaseDto {
  @ApiProperty({ enum: ['cost', 'regression'] })
  method: string;
  @ApiProperty()
  tax_year: number;
  @ApiProperty({ format: 'date' })
  valuation_date: string;
  @ApiProperty({ type: [String], nullable: true })
  neighborhoods: string[] | null;
  @ApiProperty({ type: ValuationSummaryDto })
  summary: ValuationSummaryDto;
  @ApiProperty({ type: ValuationDiagnosticsDto })
  diagnostics: ValuationDiagnosticsDto;
  @ApiProperty({ type: [NeighborhoodValuationDto] })
  by_neighborhood: NeighborhoodValuationDto[];
  @ApiProperty({ type: [PropertyClassValuationDto] })
  by_property_class: PropertyClassValuationDto[];
}

export class ValuationParcelValueDto {
  @ApiProperty({ example: '01-0001-001' })
  parcel_id: string;
  @ApiProperty()
  land_value: number;
  @ApiProperty()
  improvement_value: number;
  @ApiProperty()
  total_value: number;
}

export class ValuationParcelValuesPageDto {
  @ApiProperty({ type: [ValuationParcelValueDto] })
  items: ValuationParcelValueDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next page; null on the last.' })
  next_cursor: string | null;
}
