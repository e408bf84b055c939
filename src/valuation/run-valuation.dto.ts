// Body of POST /api/v1/valuation/run.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { JobRunBaseDto } from '../jobs/dto/job.dto.js';
import { IsNeighborhoodList, IsTaxYear, MIN_TAX_YEAR } from '../jobs/dto/validators.js';

export const VALUATION_METHODS = ['cost', 'regression'] as const;
export type ValuationMethod = (typeof VALUATION_METHODS)[number];

export class RunValuationDto extends JobRunBaseDto {
  @ApiProperty({ example: 2025, minimum: MIN_TAX_YEAR, description: `${MIN_TAX_YEAR} to next year.` })
  @IsTaxYear()
  tax_year: number;

  @ApiPropertyOptional({ enum: VALUATION_METHODS, default: 'regression' })
  @IsOptional()
  @IsIn(VALUATION_METHODS, { message: `must be one of ${VALUATION_METHODS.join(', ')}` })
  method?: ValuationMethod;

  @ApiPropertyOptional({ type: [String], example: ['N01', 'N02'], description: 'Only these neighborhoods.' })
  @IsNeighborhoodList()
  neighborhoods?: string[];
}

/** What a valuation job stores as its parameters (the processor's input). */
export interface ValuationParameters {
  county_id: string;
  tax_year: number;
  method: ValuationMethod;
  neighborhoods?: string[];
}

/** Query of GET /api/v1/valuation/results/:job_id/parcels. */
export class ParcelValuesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
