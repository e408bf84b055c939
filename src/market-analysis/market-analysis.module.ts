// Market analysis: the job routes, the processor that runs queued analyses on the job platform, and the engine.
import { Module } from '@nestjs/common';
import { jobMetricProviders } from '../observability/decorators/index.js';
import { MarketAnalysisController } from './market-analysis.controller.js';
import { MarketAnalysisEngineModule } from './market-analysis-engine.js';
import { MarketAnalysisProcessor } from './market-analysis.processor.js';

@Module({
  imports: [MarketAnalysisEngineModule],
  controllers: [MarketAnalysisController],
  providers: [MarketAnalysisProcessor, ...jobMetricProviders(MarketAnalysisProcessor)],
})
export class MarketAnalysisModule {}
