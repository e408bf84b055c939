// OpenAPI shape of a GIS export's results (GisExportJobResult in gis-export.processor.ts).
import { ValueSetDto } from '../../counties/dto/value-set.dto.js';
import { ApiProperty } from '@nestjs/swagger';
import { JobResultBaseDto } from '../../jobs/dto/job-results.dto.js';
import { EXPORT_FORMATS } from '../writers/export-fields.js';

export class GisExportResultsDto extends JobResultBaseDto {
  @ApiProperty({ enum: EXPORT_FORMATS })
  export_format: string;
  @ApiProperty()
  feature_count: number;
  @ApiProperty({ description: 'Size of the file in bytes (uncompressed).' })
  bytes: number;
  @ApiProperty({ description: 'SHA-256 of the file, hex.' })
  sha256: string;
  @ApiProperty({ format: 'uuid' })
  artifact_id: string;
  @ApiProperty({ format: 'date-time', description: 'The file is deleted after this.' })
  expires_at: string;
  @ApiProperty({ type: Number, nullable: true, description: 'The tax year exported (null: no assessed values).' })
  tax_year: number | null;
  @ApiProperty({ type: ValueSetDto, nullable: true, description: 'Which values were exported (null: none exist).' })
  values: ValueSetDto | null;
  @ApiProperty({ example: 'parcels-demo-2025.zip' })
  filename: string;
  @ApiProperty({ example: 'application/zip' })
  content_type: string;
  @ApiProperty({ example: '/api/v1/gis-export/results/6d0c…/download' })
  download_url: string;
}
