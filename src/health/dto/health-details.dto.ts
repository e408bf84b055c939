// OpenAPI shapes of the health routes: liveness, the readiness summary and GET /health/detailed (HealthService).
import { ApiProperty, ApiPropertyOptional, getSchemaPath, type ApiPropertyOptions } from '@nestjs/swagger';

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

export class HealthSummaryDto extends ReadinessDto {
  @ApiProperty({ format: 'date-time', description: 'When this answer was computed (ISO 8601).' })
  timestamp: string;
  @ApiProperty({ example: '0.1.0' })
  version: string;
}

export class DatabaseHealthDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status: string;
  @ApiProperty({ description: 'Round trip of the ping (or time until it gave up), in milliseconds.', example: 0.8 })
  latency_ms: number;
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

export class QueueDepthDto {
  @ApiProperty({ description: 'Jobs waiting (PENDING).' })
  queued: number;
  @ApiProperty({ description: 'Jobs running now.' })
  active: number;
  @ApiProperty({ description: 'Jobs that failed for good within the last hour.' })
  failed_last_hour: number;
}

export class ExternalServiceDto {
  @ApiProperty({ example: 'hooks.example.gov' })
  host: string;
  @ApiProperty({ example: 'webhook_hooks.example.gov', description: 'The `service` label of its metrics.' })
  service: string;
  @ApiProperty({ enum: ['closed', 'half_open', 'open'] })
  circuit_state: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_success_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_failure_at: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'HTTP 503' })
  last_error: string | null;
  @ApiProperty({ description: 'Calls made within the last hour (circuit-open skips not counted).' })
  calls_last_hour: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Share of those calls that failed, 0..1.' })
  error_rate: number | null;
}

export class CpuDto {
  @ApiProperty({ description: 'Share of one core used by the process over the last 10 s window, in percent.' })
  process_percent: number;
  @ApiProperty()
  user_seconds: number;
  @ApiProperty()
  system_seconds: number;
  @ApiProperty()
  cores: number;
  @ApiProperty({ type: [Number], description: '1, 5 and 15 minute load averages.' })
  load_average: number[];
}

export class EventLoopDto {
  @ApiProperty({ description: 'Event-loop delay p99 over the last window, in milliseconds.' })
  delay_p99_ms: number;
  @ApiProperty()
  delay_p50_ms: number;
  @ApiProperty()
  delay_max_ms: number;
  @ApiProperty()
  window_seconds: number;
}

export class HeapDto {
  @ApiProperty()
  used_bytes: number;
  @ApiProperty()
  total_bytes: number;
  @ApiProperty()
  limit_bytes: number;
  @ApiProperty({ description: 'used ÷ limit, 0..1.' })
  used_ratio: number;
}

export class SystemDto {
  @ApiProperty({ type: CpuDto })
  cpu: CpuDto;
  @ApiProperty({ type: EventLoopDto })
  event_loop: EventLoopDto;
  @ApiProperty({ type: HeapDto })
  heap: HeapDto;
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
  @ApiProperty({ type: SystemDto })
  system: SystemDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(QueueDepthDto) },
    description: 'Per job module. `{status: "down", error}` when the count did not answer in time.',
    example: { valuation: { queued: 0, active: 1, failed_last_hour: 0 } },
  })
  queues: Record<string, QueueDepthDto>;
  @ApiProperty({
    type: [ExternalServiceDto],
    description: 'Each configured callback host (WEBHOOK_ALLOWED_HOSTS) and each host called since start.',
  })
  external_services: ExternalServiceDto[];
}
