// Runs a queued report on the job platform: maps the stored run parameters onto the reporting engine and reports
// its progress (the cancellation points). The platform owns status, attempts, retries and metrics.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobMetricFamily } from '../observability/decorators/index.js';
import { JOB_FAMILIES } from '../observability/metric-names.js';
import { JobPlatform } from '../jobs/job-platform.js';
import type { JobContext, JobProcessor } from '../jobs/job-processor.js';
import { ReportingEngine } from './reporting-engine.js';
import type { ReportParameters } from './run-report.dto.js';

@JobMetricFamily(JOB_FAMILIES.reporting)
@Injectable()
export class ReportingProcessor implements JobProcessor<ReportParameters, Record<string, unknown>>, OnModuleInit {
  readonly module = 'reporting' as const;

  constructor(
    private readonly platform: JobPlatform,
    private readonly engine: ReportingEngine,
  ) {}

  onModuleInit(): void {
    this.platform.register(this);
  }

  process(params: ReportParameters, ctx: JobContext): Promise<Record<string, unknown>> {
    return this.engine.run(
      {
        jobId: ctx.jobId,
        countyId: params.county_id,
        taxYear: params.tax_year,
        reportType: params.report_type,
        salesFrom: params.sales_from,
        salesTo: params.sales_to,
        groupBy: params.group_by,
        timeAdjust: params.time_adjust,
        trimFactor: params.trim_factor,
        values: params.values,
        compare: params.compare,
        bootstrap: params.bootstrap,
        priorValues: params.prior_values,
      },
      ctx.progress,
    );
  }
}
