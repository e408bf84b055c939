// Reporting: the job routes, the processor that runs queued reports on the job platform, and the engine.
import { Module } from '@nestjs/common';
import { ReportingController } from './reporting.controller.js';
import { ReportingEngineModule } from './reporting-engine.js';
import { ReportingProcessor } from './reporting.processor.js';

@Module({
  imports: [ReportingEngineModule],
  controllers: [ReportingController],
  providers: [ReportingProcessor],
})
export class ReportingModule {}
