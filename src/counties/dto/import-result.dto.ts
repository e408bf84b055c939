import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IMPORT_KINDS, type ImportKind } from '../import/import-formats.js';
import { FieldErrorDto } from '../../common/dto/problem.dto.js';

export class RejectedRowDto {
  @ApiProperty({
    example: 7,
    description: 'CSV: line number in the file (the header is line 1). GeoJSON: 1-based feature index.',
  })
  line: number;

  @ApiPropertyOptional({ example: 'P-000123', description: "The row's parcel_id, when it had one." })
  parcel_id?: string;

  @ApiProperty({ type: [FieldErrorDto] })
  errors: FieldErrorDto[];
}

export class ImportResultDto {
  @ApiProperty({ example: 'demo' })
  county_id: string;

  @ApiProperty({ enum: IMPORT_KINDS, example: 'parcels' })
  kind: ImportKind;

  @ApiProperty({ example: 'csv', enum: ['csv', 'geojson'] })
  format: string;

  @ApiProperty({ example: 100000, description: 'Data rows (CSV) or features (GeoJSON) read.' })
  rows_read: number;

  @ApiProperty({ example: 99990, description: 'Rows that created a record.' })
  inserted: number;

  @ApiProperty({ example: 0, description: 'Rows that changed an existing record.' })
  updated: number;

  @ApiProperty({ example: 0, description: 'Rows identical to the stored record (nothing written).' })
  unchanged: number;

  @ApiProperty({
    example: 0,
    description:
      'Valid rows whose natural key appears again later in the same file: the last valid row wins and the earlier ones are counted here.',
  })
  superseded: number;

  @ApiProperty({ example: 10, description: 'Rows refused (invalid values, unknown parcel); see rejected_rows.' })
  rejected: number;

  @ApiProperty({ type: [RejectedRowDto], description: 'The first 100 rejected rows, in file order, with reasons.' })
  rejected_rows: RejectedRowDto[];

  @ApiProperty({ example: 4210 })
  duration_ms: number;
}
