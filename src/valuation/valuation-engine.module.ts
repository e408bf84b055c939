// The valuation engine and its repository, for the valuation job processor and the version routes to import.
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { valuationConfig } from './valuation.config.js';
import { ValuationEngine } from './valuation-engine.js';
import { ValuationRepository } from './valuation.repository.js';

@Module({
  imports: [ConfigModule.forFeature(valuationConfig)],
  providers: [ValuationRepository, ValuationEngine],
  exports: [ValuationEngine, ValuationRepository],
})
export class ValuationEngineModule {}
