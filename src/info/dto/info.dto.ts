// OpenAPI shape of GET /info.
import { ApiProperty } from '@nestjs/swagger';

export class InfoDto {
  @ApiProperty({ example: 'terrafusion-api' })
  name: string;
  @ApiProperty({ example: '0.1.0' })
  version: string;
  @ApiProperty({ example: 'd8dd48c' })
  commit: string;
  @ApiProperty({ example: 'v20.19.0' })
  node_version: string;
  @ApiProperty()
  uptime_seconds: number;
}
