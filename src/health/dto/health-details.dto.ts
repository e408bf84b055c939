// OpenAPI shapes of the health routes: liveness, the readiness summary and GET /health/detailed (HealthService).
import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status: string;
}

const CHECKS: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: { type: 'string', enum: ['up', 'down'] },
  example: { shutdown: 'up', database: 'up', migrations: 'up', job_queue: 'up' },
};

export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'error'] })
  status: string;
  @ApiProperty(CHECKS)
  checks: Record<string, 'up' | 'down'>;
}

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

export class HealthDetailsDto extends ReadinessDto {
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
