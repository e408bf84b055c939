// Valuation: the job routes and the processor that runs queued valuations on the job platform with
// the mass-appraisal engine.
import { Module } from '@nestjs/common';
import { jobMetricProviders } from '../observability/decorators/index.js';
import { ValuationEngineModule } from './valuation-engine.module.js';
import { ValuationController } from './valuation.controller.js';
import { ValuationProcessor } from './valuation.processor.js';
import { ValuationVersionsService } from './valuation-versions.service.js';
import { ComparablesRepository } from './comparables.repository.js';
import { ComparablesService } from './comparables.service.js';

@Module({
  imports: [ValuationEngineModule],
  controllers: [ValuationController],
  providers: [
    ValuationProcessor,
    ValuationVersionsService,
    ComparablesRepository,
    ComparablesService,
    ...jobMetricProviders(ValuationProcessor),
  ],
})
export class ValuationModule {}
