// OpenAPI shape of GET /health/detailed (HealthService.details).
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class PoolDto {
  @ApiProperty({ type: Number, nullable: true })
  max: number | null;
  @ApiProperty()
  total: number;
  @ApiProperty()
  idle: number;
  @ApiProperty()
  waiting: number;
}

export class DatabaseDetailsDto {
  @ApiProperty()
  up: boolean;
  @ApiProperty()
  latency_ms: number;
  @ApiPropertyOptional({ description: 'Why the database did not answer.' })
  error?: string;
  @ApiProperty({ type: PoolDto, nullable: true })
  pool: PoolDto | null;
}

export class MemoryDto {
  @ApiProperty()
  rss_bytes: number;
  @ApiProperty()
  heap_used_bytes: number;
  @ApiProperty()
  heap_total_bytes: number;
  @ApiProperty()
  external_bytes: number;
}

export class HealthDetailsDto {
  @ApiProperty({ enum: ['ok', 'error'] })
  status: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: ['up', 'down'] },
    example: { database: 'up', migrations: 'up', shutdown: 'up', job_queue: 'up' },
  })
  checks: Record<string, 'up' | 'down'>;
  @ApiProperty()
  draining: boolean;
  @ApiProperty({ example: '0.1.0' })
  version: string;
  @ApiProperty()
  commit: string;
  @ApiProperty({ example: 'v20.19.0' })
  node_version: string;
  @ApiProperty()
  uptime_seconds: number;
  @ApiProperty({ type: DatabaseDetailsDto })
  database: DatabaseDetailsDto;
  @ApiProperty({ type: MemoryDto })
  memory: MemoryDto;
}
