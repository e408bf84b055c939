import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { COUNTY_ID_PATTERN } from '../../common/county-id.js';
import { IsCountyId } from '../../common/validation.js';

export class CountyParamsDto {
  @ApiProperty({ example: 'demo', pattern: COUNTY_ID_PATTERN.source })
  @IsCountyId()
  county_id: string;
}

export class PutCountyDto {
  @ApiProperty({ example: 'Demo County', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name: string;

  // type: a `string | null` property reflects as Object, which the document would show as "object".
  @ApiPropertyOptional({
    example: 'WA',
    maxLength: 100,
    nullable: true,
    type: String,
    description: 'Omitted = no state.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  state?: string | null;
}

export class CountyDto {
  @ApiProperty({ example: 'demo' })
  county_id: string;

  @ApiProperty({ example: 'Demo County' })
  name: string;

  @ApiProperty({ example: 'WA', nullable: true, type: String })
  state: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class CountySummaryDto extends CountyDto {
  @ApiProperty({ example: 20000 })
  parcel_count: number;

  @ApiProperty({ example: 8123 })
  sale_count: number;

  @ApiProperty({ example: 20000 })
  assessment_count: number;
}

export class CountyListDto {
  @ApiProperty({ type: [CountySummaryDto] })
  items: CountySummaryDto[];
}
