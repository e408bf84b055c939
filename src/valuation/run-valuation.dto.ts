// Body of POST /api/v1/valuation/run.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CursorPageQueryDto } from '../common/page-query.dto.js';
import { IsPageLimit } from '../common/validation.js';
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
export class ParcelValuesQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsPageLimit(1000)
  limit?: number;
}
