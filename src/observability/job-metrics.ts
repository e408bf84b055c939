// Records one module's job family with bounded label values: the county slug with a cap,
// the module's own kind (report_type …) and the failure reason from fixed sets.
import type { Counter, Histogram } from 'prom-client';
import { FAILURE_REASONS, SUBMIT_STATUSES, type JobFamilyDef } from './metric-names.js';
import { enumLabel, newCountyLabels } from './labels.js';

type Labels = Record<string, string>;

export interface JobLabels {
  countyId: string;
  /** The module's own dimension: report_type, analysis_type or export_format. */
  kind?: string;
}

export class JobMetrics {
  private readonly counties = newCountyLabels();

  constructor(
    readonly family: JobFamilyDef,
    private readonly metrics: { submitted: Counter; completed: Counter; failed: Counter; duration: Histogram },
  ) {}

  submitted(labels: JobLabels & { statusOnSubmit: string }): void {
    this.metrics.submitted.inc({
      ...this.base(labels),
      status_on_submit: enumLabel(SUBMIT_STATUSES, labels.statusOnSubmit),
    });
  }

  /** A job finished successfully after `seconds` of processing. */
  completed(labels: JobLabels, seconds?: number): void {
    const base = this.base(labels);
    this.metrics.completed.inc(base);
    if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) this.metrics.duration.observe(base, seconds);
  }

  /** A job failed for good; `reason` outside FAILURE_REASONS is recorded as `other`. */
  failed(labels: JobLabels & { reason: string }): void {
    this.metrics.failed.inc({ ...this.base(labels), failure_reason: enumLabel(FAILURE_REASONS, labels.reason) });
  }

  /** The bounded county label (also used by a module's other families, e.g. GIS bytes). */
  county(countyId: string): string {
    return this.counties.map(countyId);
  }

  private base(labels: JobLabels): Labels {
    const out: Labels = { county_id: this.counties.map(labels.countyId) };
    if (this.family.kind) out[this.family.kind.label] = enumLabel(this.family.kind.values, labels.kind);
    return out;
  }
}
