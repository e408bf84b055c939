// Body of POST /api/v1/market-analysis/run.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PROPERTY_CLASSES } from '../counties/parcel.entity.js';
import { JobRunBaseDto } from '../jobs/dto/job.dto.js';
import { IsCalendarDate, IsNeighborhoodList, IsOnOrAfter } from '../jobs/dto/validators.js';

export const ANALYSIS_TYPES = ['price_trend', 'neighborhood_comparison'] as const;

export class RunMarketAnalysisDto extends JobRunBaseDto {
  @ApiProperty({ enum: ANALYSIS_TYPES })
  @IsIn(ANALYSIS_TYPES, { message: `must be one of ${ANALYSIS_TYPES.join(', ')}` })
  analysis_type: (typeof ANALYSIS_TYPES)[number];

  @ApiPropertyOptional({ example: '2022-01-01' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ example: '2024-12-31' })
  @IsOptional()
  @IsCalendarDate()
  @IsOnOrAfter('from')
  to?: string;

  @ApiPropertyOptional({ enum: PROPERTY_CLASSES })
  @IsOptional()
  @IsIn(PROPERTY_CLASSES, { message: `must be one of ${PROPERTY_CLASSES.join(', ')}` })
  property_class?: (typeof PROPERTY_CLASSES)[number];

  @ApiPropertyOptional({ type: [String], example: ['N01', 'N02'] })
  @IsNeighborhoodList()
  neighborhoods?: string[];
}

/** Run parameters as stored with the job and handed to the processor. */
export interface MarketAnalysisParameters {
  county_id: string;
  analysis_type: (typeof ANALYSIS_TYPES)[number];
  from?: string;
  to?: string;
  property_class?: (typeof PROPERTY_CLASSES)[number];
  neighborhoods?: string[];
}
