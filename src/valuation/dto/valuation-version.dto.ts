// OpenAPI shape of valuation versions: a job's stored values, their adoption, and the county's list of them.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt } from 'class-validator';
import { IsOptional } from 'class-validator';
import { IsCountyId } from '../../common/validation.js';
import { IsTaxYear } from '../../jobs/dto/validators.js';

export class ValuationVersionDto {
  @ApiProperty({ format: 'uuid', description: 'The valuation job whose values these are.' })
  job_id: string;
  @ApiProperty({ example: 'demo' })
  county_id: string;
  @ApiProperty({ example: 2026 })
  tax_year: number;
  @ApiProperty({ enum: ['cost', 'regression'] })
  method: 'cost' | 'regression';
  @ApiProperty({ type: [String], nullable: true, description: 'Neighborhoods valued; null for the whole county.' })
  neighborhoods: string[] | null;
  @ApiProperty({ description: 'Parcels with a value in this version.' })
  parcel_count: number;
  @ApiProperty({ format: 'date-time' })
  written_at: string;
  @ApiProperty({ description: "Whether these are the county's current values of the tax year." })
  adopted: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  adopted_at: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Token subject of who adopted it.' })
  adopted_by: string | null;
}

export class ValuationAdoptionDto extends ValuationVersionDto {
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The version that was adopted before (kept, no longer current); null when there was none.',
  })
  previously_adopted_job_id: string | null;
}

export class ValuationVersionListDto {
  @ApiProperty({ type: [ValuationVersionDto], description: 'Newest tax year first, then newest written first.' })
  items: ValuationVersionDto[];
}

/** Query of GET /api/v1/valuation/versions. */
export class ValuationVersionsQueryDto {
  @ApiProperty({ example: 'demo' })
  @IsCountyId()
  county_id: string;

  @ApiPropertyOptional({ example: 2026 })
  @IsOptional()
  @IsTaxYear()
  @IsInt({ message: 'must be a whole number' })
  @Type(() => Number)
  tax_year?: number;
}
