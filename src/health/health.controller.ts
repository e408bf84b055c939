import { Controller, Get, Header, HttpCode, Res, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { Public, RequirePermissions } from '../auth/auth.decorators.js';
import { Permission } from '../auth/permissions.js';
import { ALL_RATE_LIMITS } from '../auth/rate-limit.guard.js';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DetailedHealthGate } from './detailed-health.gate.js';
import {
  DatabaseHealthDto,
  HealthDetailsDto,
  HealthSummaryDto,
  LivenessDto,
  QueueDepthDto,
  ReadinessDto,
} from './dto/health-details.dto.js';
import { HealthService, type DatabaseStatus, type HealthSummary, type ReadinessSummary } from './health.service.js';

const SUMMARY_EXAMPLE = { status: 'ok', checks: { shutdown: 'up', database: 'up', migrations: 'up' } };
const DOWN_EXAMPLE = { status: 'error', checks: { shutdown: 'down', database: 'up', migrations: 'up' } };
const STAMP = { timestamp: '2025-06-01T12:00:00.000Z', version: '0.1.0' };

@ApiTags('operations')
// A throttled probe restarts a healthy pod.
@SkipThrottle(ALL_RATE_LIMITS)
@Controller('health')
export class HealthController {
  constructor(private readonly service: HealthService) {}

  @Public()
  @Get('live')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Liveness: the process answers. Never touches the database.' })
  @ApiOkResponse({ type: LivenessDto })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: database answers, migrations applied, not draining, registered checks up.',
  })
  @ApiOkResponse({ description: 'Ready', type: ReadinessDto, example: SUMMARY_EXAMPLE })
  @ApiServiceUnavailableResponse({ description: 'Not ready', type: ReadinessDto, example: DOWN_EXAMPLE })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Omit<ReadinessSummary, 'ready'>> {
    return this.summary(reply);
  }

  @Public()
  @Get()
  @ApiOperation({
    summary: 'Readiness summary: overall status, time, version and each check up or down, no internals.',
  })
  @ApiOkResponse({ description: 'Ready', type: HealthSummaryDto, example: { ...SUMMARY_EXAMPLE, ...STAMP } })
  @ApiServiceUnavailableResponse({
    description: 'Not ready',
    type: HealthSummaryDto,
    example: { ...DOWN_EXAMPLE, ...STAMP },
  })
  async overall(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthSummary> {
    void reply.header('cache-control', 'no-store');
    const { ready, body } = await this.service.summary();
    if (!ready) void reply.status(503);
    return body;
  }

  @Public()
  @Get('db')
  @ApiOperation({
    summary: 'Database status and ping latency only (own connection, bounded by HEALTH_DB_TIMEOUT_MS).',
  })
  @ApiOkResponse({ description: 'The database answers', type: DatabaseHealthDto })
  @ApiServiceUnavailableResponse({
    description: 'The database is down or did not answer in time',
    type: DatabaseHealthDto,
    example: { status: 'down', latency_ms: 501.2 },
  })
  async database(@Res({ passthrough: true }) reply: FastifyReply): Promise<DatabaseStatus> {
    void reply.header('cache-control', 'no-store');
    const db = await this.service.database();
    if (db.status !== 'up') void reply.status(503);
    return db;
  }

  @RequirePermissions(Permission.HealthDetails)
  @UseGuards(DetailedHealthGate)
  @Get('detailed')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary:
      'Details: database latency and pool, job queues, callback hosts and their circuits, CPU, event loop, heap, memory, version, uptime.',
  })
  @ApiExtraModels(QueueDepthDto)
  @ApiOkResponse({ type: HealthDetailsDto })
  async detailed(): Promise<Record<string, unknown>> {
    return this.service.details();
  }

  private async summary(reply: FastifyReply): Promise<Omit<ReadinessSummary, 'ready'>> {
    void reply.header('cache-control', 'no-store');
    const { ready, status, checks } = await this.service.readiness();
    if (!ready) void reply.status(503);
    return { status, checks };
  }
}
