// OpenAPI shape of ValueSet: which assessed values a report or export read.
import { ApiProperty } from '@nestjs/swagger';

export class ValueSetDto {
  @ApiProperty({ example: 'current', description: '`certified`, `current` or a valuation job_id, as asked.' })
  requested: string;
  @ApiProperty({
    enum: ['certified', 'version'],
    description: '`certified`: the roll as imported; `version`: the values of valuation `job_id`.',
  })
  used: 'certified' | 'version';
  @ApiProperty({ example: 2025 })
  tax_year: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  job_id: string | null;
  @ApiProperty({ description: 'Whether that version is the adopted one of its county and year.' })
  adopted: boolean;
  @ApiProperty({
    description: '`current` over a version: parcels the version did not value were read from the certified roll.',
  })
  certified_fallback: boolean;
}
