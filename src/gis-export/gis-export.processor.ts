// Runs a queued GIS export job: the job platform owns status, attempts, retries and the job metrics; this
// hands the parameters to the export engine, reports its progress (the cancellation points), records the
// file it stored and the gis_export_bytes/features counters.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { API_PREFIX } from '../jobs/job-document.js';
import { JobPlatform } from '../jobs/job-platform.js';
import type { JobContext, JobProcessor } from '../jobs/job-processor.js';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { JobMetricFamily } from '../observability/decorators/index.js';
import { enumLabel, newCountyLabels } from '../observability/labels.js';
import { GIS_EXPORT_BYTES, GIS_EXPORT_FEATURES, JOB_FAMILIES } from '../observability/metric-names.js';
import { GisExportEngine, type GisExportInput, type GisExportResult } from './gis-export-engine.js';

/** The job's stored parameters (the run body without callback_url). */
export interface GisExportParameters {
  county_id: string;
  export_format: GisExportInput['exportFormat'];
  tax_year?: number;
  values?: string;
  neighborhoods?: string[];
  property_classes?: string[];
  bbox?: [number, number, number, number];
}

export interface GisExportJobResult extends GisExportResult {
  download_url: string;
}

/** Where the file of a gis-export job is downloaded (relative, like the job links). */
export function downloadPath(jobId: string): string {
  return `${API_PREFIX}/gis-export/results/${jobId}/download`;
}

@JobMetricFamily(JOB_FAMILIES.gis_export)
@Injectable()
export class GisExportProcessor implements JobProcessor<GisExportParameters, GisExportJobResult>, OnModuleInit {
  readonly module = 'gis-export' as const;
  private readonly counties = newCountyLabels();

  constructor(
    private readonly platform: JobPlatform,
    private readonly engine: GisExportEngine,
    @InjectMetric(GIS_EXPORT_BYTES.name) private readonly bytesWritten: Counter<string>,
    @InjectMetric(GIS_EXPORT_FEATURES.name) private readonly featuresWritten: Counter<string>,
  ) {}

  onModuleInit(): void {
    this.platform.register(this);
  }

  async process(params: GisExportParameters, ctx: JobContext): Promise<GisExportJobResult> {
    const result = await this.engine.run(
      {
        jobId: ctx.jobId,
        countyId: params.county_id,
        exportFormat: params.export_format,
        ...(params.tax_year !== undefined ? { taxYear: params.tax_year } : {}),
        ...(params.values !== undefined ? { values: params.values } : {}),
        ...(params.neighborhoods ? { neighborhoods: params.neighborhoods } : {}),
        ...(params.property_classes ? { propertyClasses: params.property_classes } : {}),
        ...(params.bbox ? { bbox: params.bbox } : {}),
      },
      ctx.progress,
    );
    ctx.setArtifact({
      storage: 'postgres',
      key: result.artifact_id,
      content_type: result.content_type,
      filename: result.filename,
      bytes: result.bytes,
      sha256: result.sha256,
    });
    const labels = {
      county_id: this.counties.map(params.county_id),
      export_format: enumLabel(JOB_FAMILIES.gis_export.kind!.values, params.export_format),
    };
    if (result.bytes > 0) this.bytesWritten.inc(labels, result.bytes);
    if (result.feature_count > 0) this.featuresWritten.inc(labels, result.feature_count);
    return { ...result, download_url: downloadPath(ctx.jobId) };
  }
}
