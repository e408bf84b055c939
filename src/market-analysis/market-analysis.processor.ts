// Runs a queued market analysis on the job platform: maps the stored run parameters onto the market-analysis
// engine and reports its progress (the cancellation points).
import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobMetricFamily } from '../observability/decorators/index.js';
import { JOB_FAMILIES } from '../observability/metric-names.js';
import { JobPlatform } from '../jobs/job-platform.js';
import type { JobContext, JobProcessor } from '../jobs/job-processor.js';
import { MarketAnalysisEngine } from './market-analysis-engine.js';
import type { MarketAnalysisParameters } from './run-market-analysis.dto.js';

@JobMetricFamily(JOB_FAMILIES.market_analysis)
@Injectable()
export class MarketAnalysisProcessor
  implements JobProcessor<MarketAnalysisParameters, Record<string, unknown>>, OnModuleInit
{
  readonly module = 'market-analysis' as const;

  constructor(
    private readonly platform: JobPlatform,
    private readonly engine: MarketAnalysisEngine,
  ) {}

  onModuleInit(): void {
    this.platform.register(this);
  }

  process(params: MarketAnalysisParameters, ctx: JobContext): Promise<Record<string, unknown>> {
    return this.engine.run(
      {
        jobId: ctx.jobId,
        countyId: params.county_id,
        analysisType: params.analysis_type,
        from: params.from,
        to: params.to,
        propertyClass: params.property_class,
        neighborhoods: params.neighborhoods,
      },
      ctx.progress,
    );
  }
}
