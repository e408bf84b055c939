// GET /metrics: @willsoto/nestjs-prometheus's controller with the registry rendered by MetricsRenderer
// (identical to prom-client's output, cheaper) after the scrape refreshers ran. Access: the auth layer's MetricsAuthGuard (METRICS_AUTH_TOKEN bearer
// in constant time, or a JWT with metrics:read; open when the token is not configured).
import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators.js';
import { MetricsAuthGuard } from '../auth/metrics-access.js';
import { ALL_RATE_LIMITS } from '../auth/rate-limit.guard.js';
import { ApiProblem } from '../common/dto/problem.dto.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('operations')
@SkipThrottle(ALL_RATE_LIMITS) // a throttled scrape is a gap in every graph
@Controller('metrics')
export class MetricsController extends PrometheusController {
  constructor(private readonly metrics: MetricsService) {
    super();
  }

  // Public for the JWT guard: a static scrape token is not a JWT, so the route has its own guard.
  @Public()
  @UseGuards(MetricsAuthGuard)
  @Get()
  @ApiBearerAuth('bearer')
  @ApiOperation({
    summary: 'Prometheus metrics (text format 0.0.4). Bearer METRICS_AUTH_TOKEN or a JWT with metrics:read.',
  })
  @ApiOkResponse({
    description: 'Metrics in the Prometheus text exposition format.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiProblem(401, 'METRICS_AUTH_TOKEN is set and the request carries neither it nor a valid JWT.')
  @ApiProblem(403, 'A valid JWT without metrics:read.')
  override async index(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const body = await this.metrics.render();
    void reply.header('content-type', this.metrics.renderer.contentType).header('cache-control', 'no-store');
    return body;
  }
}
