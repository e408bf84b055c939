// Reporting: the job routes, the processor that runs queued reports on the job platform, and the engine.
import { Module } from '@nestjs/common';
import { jobMetricProviders } from '../observability/decorators/index.js';
import { ReportingController } from './reporting.controller.js';
import { ReportingEngineModule } from './reporting-engine.js';
import { ReportingProcessor } from './reporting.processor.js';

@Module({
  imports: [ReportingEngineModule],
  controllers: [ReportingController],
  providers: [ReportingProcessor, ...jobMetricProviders(ReportingProcessor)],
})
export class ReportingModule {}
