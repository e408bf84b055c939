import { Controller, Get, HttpCode, Res, ServiceUnavailableException } from '@nestjs/common';
import { Public, RequirePermissions } from '../auth/auth.decorators.js';
import { Permission } from '../auth/permissions.js';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { HealthService } from './health.service.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly service: HealthService) {}

  @Public()
  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process answers. Never touches the database.' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: database answers, migrations applied, not draining.' })
  @ApiOkResponse({ description: 'Ready' })
  @ApiServiceUnavailableResponse({ description: 'Not ready; the failing checks are listed.' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return this.summary(reply, true);
  }

  @Public()
  @Get()
  @ApiOperation({ summary: 'Readiness summary: overall status and each check up or down.' })
  @ApiOkResponse({ description: 'Ready' })
  @ApiServiceUnavailableResponse({ description: 'Not ready' })
  async overall(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return this.summary(reply, false);
  }

  @RequirePermissions(Permission.HealthDetails)
  @Get('detailed')
  @ApiOperation({ summary: 'Details: database latency and pool, memory, version, uptime.' })
  async detailed(): Promise<Record<string, unknown>> {
    return this.service.details();
  }

  private async summary(reply: FastifyReply, withDetails: boolean): Promise<HealthCheckResult> {
    void reply.header('cache-control', 'no-store');
    try {
      const result = await this.service.readiness();
      return withDetails ? result : { status: result.status, info: result.info, error: {}, details: result.details };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        void reply.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }
}
