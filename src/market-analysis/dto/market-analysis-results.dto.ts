// OpenAPI shapes of the two market-analysis results (market-analysis-engine.ts), told apart by analysis_type.
import { ApiProperty } from '@nestjs/swagger';
import { DateWindowDto, JobResultBaseDto, NUMBER_PAIR } from '../../jobs/dto/job-results.dto.js';

export class MarketFiltersDto {
  @ApiProperty({ type: String, nullable: true })
  property_class: string | null;
  @ApiProperty({ type: [String], nullable: true })
  neighborhoods: string[] | null;
}

export class MarketTrendDto {
  @ApiProperty({ enum: ['hedonic_fixed_effects', 'ln_price_per_sqft', 'ln_price'] })
  model: string;
  @ApiProperty({ type: [String], description: 'Regressors besides the fixed effects.' })
  terms: string[];
  @ApiProperty({ description: 'Sales the fit used.' })
  n: number;
  @ApiProperty()
  df: number;
  @ApiProperty({ description: 'b, the fitted monthly change of ln(price).' })
  monthly_log_rate: number;
  @ApiProperty()
  log_std_error: number;
  @ApiProperty(NUMBER_PAIR)
  log_rate_ci: [number, number];
  @ApiProperty({ description: 'e^b − 1' })
  monthly_rate: number;
  @ApiProperty()
  std_error: number;
  @ApiProperty({ ...NUMBER_PAIR, description: '95 % CI of the monthly rate.' })
  ci: [number, number];
  @ApiProperty({ description: 'e^(12b) − 1' })
  annual_rate: number;
  @ApiProperty(NUMBER_PAIR)
  annual_ci: [number, number];
  @ApiProperty()
  r_squared: number;
  @ApiProperty()
  residual_std_error: number;
}

export class MonthFiguresDto {
  @ApiProperty({ example: '2024-06' })
  month: string;
  @ApiProperty()
  count: number;
  @ApiProperty({ type: Number, nullable: true })
  median_price: number | null;
  @ApiProperty({ type: Number, nullable: true })
  median_price_per_sqft: number | null;
}

export class AdjustmentFactorDto {
  @ApiProperty({ example: '2024-06' })
  month: string;
  @ApiProperty({ description: "Multiplies a sale price of the month to the reference month's market." })
  factor: number;
}

export class PriceTrendResultsDto extends JobResultBaseDto {
  @ApiProperty({ enum: ['price_trend'] })
  analysis_type: 'price_trend';
  @ApiProperty({ type: DateWindowDto })
  window: DateWindowDto;
  @ApiProperty({ type: MarketFiltersDto })
  filters: MarketFiltersDto;
  @ApiProperty()
  sale_count: number;
  @ApiProperty({ type: MarketTrendDto })
  trend: MarketTrendDto;
  @ApiProperty({ type: [MonthFiguresDto] })
  months: MonthFiguresDto[];
  @ApiProperty({ example: '2025-12' })
  reference_month: string;
  @ApiProperty({ type: [AdjustmentFactorDto] })
  adjustment_factors: AdjustmentFactorDto[];
}

export class AreaFiguresDto {
  @ApiProperty()
  sale_count: number;
  @ApiProperty({ type: Number, nullable: true })
  median_price: number | null;
  @ApiProperty({ type: Number, nullable: true })
  median_price_per_sqft: number | null;
  @ApiProperty()
  prior_sale_count: number;
  @ApiProperty({ type: Number, nullable: true })
  prior_median_price_per_sqft: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Change of the median price per sqft (0.05 = +5 %).' })
  yoy_change: number | null;
}

export class NeighborhoodFiguresDto extends AreaFiguresDto {
  @ApiProperty()
  neighborhood: string;
  @ApiProperty({ type: Number, nullable: true, description: '1 = the highest median price per sqft.' })
  rank: number | null;
  @ApiProperty({ type: Number, nullable: true, description: "Median price per sqft relative to the county's." })
  index_to_county: number | null;
  @ApiProperty({ type: [String] })
  warnings: string[];
}

export class NeighborhoodComparisonResultsDto extends JobResultBaseDto {
  @ApiProperty({ enum: ['neighborhood_comparison'] })
  analysis_type: 'neighborhood_comparison';
  @ApiProperty({ type: DateWindowDto })
  window: DateWindowDto;
  @ApiProperty({ type: DateWindowDto })
  prior_window: DateWindowDto;
  @ApiProperty({ type: MarketFiltersDto })
  filters: MarketFiltersDto;
  @ApiProperty({ example: 'median_price_per_sqft' })
  ranked_by: string;
  @ApiProperty({ type: AreaFiguresDto })
  county: AreaFiguresDto;
  @ApiProperty({ type: [NeighborhoodFiguresDto] })
  neighborhoods: NeighborhoodFiguresDto[];
}
