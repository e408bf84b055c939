// Body of POST /api/v1/gis-export/run.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { VALUES_SELECTOR_MESSAGE, VALUES_SELECTOR_PATTERN } from '../counties/value-sets.repository.js';
import { PROPERTY_CLASSES } from '../counties/parcel.entity.js';
import { JobRunBaseDto } from '../jobs/dto/job.dto.js';
import { IsBbox, IsNeighborhoodList, IsTaxYear, MIN_TAX_YEAR } from '../jobs/dto/validators.js';
import { EXPORT_FORMATS, type ExportFormat } from './writers/export-fields.js';

export class RunGisExportDto extends JobRunBaseDto {
  @ApiProperty({ enum: EXPORT_FORMATS })
  @IsIn(EXPORT_FORMATS, { message: `must be one of ${EXPORT_FORMATS.join(', ')}` })
  export_format: ExportFormat;

  @ApiPropertyOptional({
    example: 2025,
    minimum: MIN_TAX_YEAR,
    description: "Values of this tax year (default: the valuation job's year, else the latest year with values).",
  })
  @IsOptional()
  @IsTaxYear()
  tax_year?: number;

  @ApiPropertyOptional({
    default: 'current',
    example: 'current',
    description:
      'Which values: `certified` (the roll as imported), `current` (the adopted valuation of the tax year, else ' +
      'certified) or the job_id of a completed valuation of the county.',
  })
  @IsOptional()
  @IsString()
  @Matches(VALUES_SELECTOR_PATTERN, { message: VALUES_SELECTOR_MESSAGE })
  values?: string;

  @ApiPropertyOptional({ type: [String], example: ['N01'] })
  @IsNeighborhoodList()
  neighborhoods?: string[];

  @ApiPropertyOptional({ enum: PROPERTY_CLASSES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(PROPERTY_CLASSES, { each: true, message: `each value must be one of ${PROPERTY_CLASSES.join(', ')}` })
  property_classes?: Array<(typeof PROPERTY_CLASSES)[number]>;

  @ApiPropertyOptional({
    type: [Number],
    minItems: 4,
    maxItems: 4,
    example: [-86.6, 39.1, -86.4, 39.2],
    description: '[min_lon, min_lat, max_lon, max_lat] (WGS84)',
  })
  @IsOptional()
  @IsBbox()
  bbox?: [number, number, number, number];
}
