// Runs a queued valuation job: the job platform owns status, attempts, retries and metrics; this hands
// the parameters to the valuation engine and reports its progress (the cancellation points), and logs the
// valuation_completed business event once the platform stored the result.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { BusinessEvents } from '../logging/business-events.js';
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
    private readonly events: BusinessEvents,
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

  completed(result: ValuationResult, ctx: JobContext): void {
    this.events.log('valuation_completed', {
      module: 'valuation',
      county_id: ctx.countyId,
      job_id: ctx.jobId,
      figures: {
        tax_year: result.tax_year,
        method: result.method,
        parcel_count: result.summary.parcel_count,
        total_value: result.summary.total_value,
        n_sales: result.diagnostics.n_sales,
        r_squared: result.diagnostics.r_squared,
        cod: result.diagnostics.cod,
        prd: result.diagnostics.prd,
      },
    });
  }
}
