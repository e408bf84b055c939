// @JobMetricFamily(JOB_FAMILIES.reporting) on a job processor class declares the job-metric family its
// jobs are recorded in (`report_jobs_submitted_total`, `…_completed_total`, `…_failed_total`,
// `report_processing_duration_seconds`), with the module's own label (report_type …) and its buckets.
// The module registers the family with `jobMetricProviders(TheProcessor)`; the job platform reads the
// declaration when the processor registers and records submissions, completions, failures and
// durations itself, because only the platform knows whether a completion survived the fencing check and
// whether a failure is final (a retried attempt is not a failure).
import type { Provider } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { JobMetrics } from '../job-metrics.js';
import { jobFamilyDefs, type JobFamilyDef, type JobModule } from '../metric-names.js';
import { counterProvider, histogramProvider } from '../metric-providers.js';

const FAMILY = Symbol('tf.jobMetricFamily');

export function JobMetricFamily(family: JobFamilyDef): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(FAMILY, family, target);
  };
}

/** The family a processor class declared, if any. */
export function jobMetricFamilyOf(target: object): JobFamilyDef | undefined {
  return Reflect.getMetadata(FAMILY, target) as JobFamilyDef | undefined;
}

/** Injection token of a module's JobMetrics recorder. */
export function jobMetricsToken(module: JobModule): string {
  return `tf.jobMetrics.${module}`;
}

/** The four metric providers of the family `processor` declared, and its JobMetrics recorder. */
export function jobMetricProviders(processor: object): Provider[] {
  const family = jobMetricFamilyOf(processor);
  if (!family) throw new Error(`${(processor as { name?: string }).name} declares no @JobMetricFamily`);
  const defs = jobFamilyDefs(family);
  return [
    counterProvider(defs.submitted),
    counterProvider(defs.completed),
    counterProvider(defs.failed),
    histogramProvider(defs.duration),
    {
      provide: jobMetricsToken(family.module),
      useFactory: (submitted: Counter, completed: Counter, failed: Counter, duration: Histogram) =>
        new JobMetrics(family, { submitted, completed, failed, duration }),
      inject: [defs.submitted, defs.completed, defs.failed, defs.duration].map((d) => getToken(d.name)),
    },
  ];
}
