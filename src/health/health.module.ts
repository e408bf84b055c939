import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseProbe } from './database-probe.js';
import { DetailedHealthGate } from './detailed-health.gate.js';
import { HealthController } from './health.controller.js';
import { HealthRegistry } from './health-registry.js';
import { HealthService } from './health.service.js';
import { SystemStats } from './system-stats.js';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [HealthService, DatabaseProbe, HealthRegistry, DetailedHealthGate, SystemStats],
  exports: [HealthRegistry, DatabaseProbe],
})
export class HealthModule {}
