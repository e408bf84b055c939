import { Controller, Get, Header, HttpCode, Res, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { Public, RequirePermissions } from '../auth/auth.decorators.js';
import { Permission } from '../auth/permissions.js';
import { ALL_RATE_LIMITS } from '../auth/rate-limit.guard.js';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DetailedHealthGate } from './detailed-health.gate.js';
import { HealthDetailsDto, LivenessDto, ReadinessDto } from './dto/health-details.dto.js';
import { HealthService, type ReadinessSummary } from './health.service.js';

const SUMMARY_EXAMPLE = { status: 'ok', checks: { shutdown: 'up', database: 'up', migrations: 'up' } };
const DOWN_EXAMPLE = { status: 'error', checks: { shutdown: 'down', database: 'up', migrations: 'up' } };

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
  @ApiOperation({ summary: 'Readiness summary: overall status and each check up or down, no internals.' })
  @ApiOkResponse({ description: 'Ready', type: ReadinessDto, example: SUMMARY_EXAMPLE })
  @ApiServiceUnavailableResponse({ description: 'Not ready', type: ReadinessDto, example: DOWN_EXAMPLE })
  async overall(@Res({ passthrough: true }) reply: FastifyReply): Promise<Omit<ReadinessSummary, 'ready'>> {
    return this.summary(reply);
  }

  @RequirePermissions(Permission.HealthDetails)
  @UseGuards(DetailedHealthGate)
  @Get('detailed')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Details: database latency and pool, memory, version, uptime.' })
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
