import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { PROPERTY_CLASSES, type PropertyClass } from '../parcel.entity.js';
import { IsCountyId } from '../../common/validation.js';

export class ParcelParamsDto {
  @ApiProperty({ example: 'demo' })
  @IsCountyId()
  county_id: string;

  @ApiProperty({ example: 'P-000123' })
  @IsString()
  @Length(1, 64)
  parcel_id: string;
}

export class ListParcelsQueryDto {
  @ApiPropertyOptional({ example: 'NB-03' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  neighborhood?: string;

  @ApiPropertyOptional({ enum: PROPERTY_CLASSES })
  @IsOptional()
  @IsIn(PROPERTY_CLASSES)
  property_class?: PropertyClass;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page.' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  cursor?: string;
}

export class ParcelDto {
  @ApiProperty({ example: 'P-000123' })
  parcel_id: string;

  @ApiProperty({ example: 'NB-03' })
  neighborhood: string;

  @ApiProperty({ enum: PROPERTY_CLASSES })
  property_class: PropertyClass;

  @ApiProperty({ nullable: true, type: Number, example: 7200 })
  land_sqft: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 1850 })
  building_sqft: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 1994 })
  year_built: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 4 })
  quality: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 3 })
  condition: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 3 })
  bedrooms: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 2.5 })
  bathrooms: number | null;

  @ApiProperty({ nullable: true, type: String, example: '123 Main St' })
  situs_address: string | null;

  @ApiProperty({ nullable: true, type: Number, example: -122.33 })
  lon: number | null;

  @ApiProperty({ nullable: true, type: Number, example: 47.61 })
  lat: number | null;

  @ApiProperty({
    nullable: true,
    type: Object,
    description: 'GeoJSON geometry (WGS84): Polygon/MultiPolygon, or a Point at lon/lat.',
    example: { type: 'Point', coordinates: [-122.33, 47.61] },
  })
  geometry: Record<string, unknown> | null;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class ParcelPageDto {
  @ApiProperty({ type: [ParcelDto] })
  items: ParcelDto[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next page; null on the last.' })
  next_cursor: string | null;
}

export class SaleDto {
  @ApiProperty({ example: '2024-05-17', format: 'date' })
  sale_date: string;

  @ApiProperty({ example: 435000 })
  sale_price: number;

  @ApiProperty({ example: true })
  is_valid: boolean;

  @ApiProperty({ nullable: true, type: String, example: 'V' })
  validity_code: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'WD' })
  deed_type: string | null;
}

export class CertifiedValueDto {
  @ApiProperty({ example: 150000 })
  land_value: number;

  @ApiProperty({ example: 280000 })
  improvement_value: number;

  @ApiProperty({ example: 430000 })
  total_value: number;

  @ApiProperty({ format: 'date-time', description: 'When the certified roll row was imported.' })
  imported_at: string;
}

/** A parcel's values of one tax year: the current ones at the top level, the certified ones beside them. */
export class ParcelValueDto {
  @ApiProperty({ example: 2025 })
  tax_year: number;

  @ApiProperty({ example: 150000, description: 'Current land value (the adopted valuation, else certified).' })
  land_value: number;

  @ApiProperty({ example: 280000 })
  improvement_value: number;

  @ApiProperty({ example: 430000 })
  total_value: number;

  @ApiProperty({
    enum: ['certified', 'valuation'],
    description: '`valuation`: the current values come from the adopted valuation `job_id`; `certified`: the roll.',
  })
  source: 'certified' | 'valuation';

  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The adopted valuation, if any.' })
  job_id: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  adopted_at: string | null;

  @ApiProperty({
    type: CertifiedValueDto,
    nullable: true,
    description: 'The certified roll of the year as imported (null when none was imported).',
  })
  certified: CertifiedValueDto | null;
}

export class ParcelDetailDto extends ParcelDto {
  @ApiProperty({ type: [SaleDto], description: 'Newest first.' })
  sales: SaleDto[];

  @ApiProperty({ type: [ParcelValueDto], description: 'Values by tax year, newest first.' })
  values: ParcelValueDto[];
}
