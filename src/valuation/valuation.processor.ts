// Runs a queued valuation job: the job platform owns status, attempts, retries and metrics; this hands
// the parameters to the valuation engine and reports its progress (the cancellation points).
import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobMetricFamily } from '../observability/decorators/index.js';
import { JOB_FAMILIES } from '../observability/metric-names.js';
import { JobPlatform } from '../jobs/job-platform.js';
import type { JobContext, JobProcessor } from '../jobs/job-processor.js';
import { ValuationEngine, type ValuationResult } from './valuation-engine.js';
import type { ValuationParameters } from './run-valuation.dto.js';

@JobMetricFamily(JOB_FAMILIES.valuation)
@Injectable()
export class ValuationProcessor implements JobProcessor<ValuationParameters, ValuationResult>, OnModuleInit {
  readonly module = 'valuation' as const;

  constructor(
    private readonly platform: JobPlatform,
    private readonly engine: ValuationEngine,
  ) {}

  onModuleInit(): void {
    this.platform.register(this);
  }

  process(params: ValuationParameters, ctx: JobContext): Promise<ValuationResult> {
    return this.engine.run(
      {
        countyId: params.county_id,
        taxYear: params.tax_year,
        method: params.method,
        neighborhoods: params.neighborhoods,
        jobId: ctx.jobId,
      },
      ctx.progress,
    );
  }
}
