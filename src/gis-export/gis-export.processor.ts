// Runs a queued GIS export job: the job platform owns status, attempts, retries and the job metrics; this
// hands the parameters to the export engine, reports its progress (the cancellation points), records the
// file it stored and the gis_export_bytes/features counters.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { API_PREFIX } from '../jobs/job-document.js';
import { JobPlatform } from '../jobs/job-platform.js';
import type { JobContext, JobProcessor } from '../jobs/job-processor.js';
import { MetricsService } from '../observability/metrics.service.js';
import { GisExportEngine, type GisExportInput, type GisExportResult } from './gis-export-engine.js';

/** The job's stored parameters (the run body without callback_url). */
export interface GisExportParameters {
  county_id: string;
  export_format: GisExportInput['exportFormat'];
  tax_year?: number;
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

@Injectable()
export class GisExportProcessor implements JobProcessor<GisExportParameters, GisExportJobResult>, OnModuleInit {
  readonly module = 'gis-export' as const;

  constructor(
    private readonly platform: JobPlatform,
    private readonly engine: GisExportEngine,
    private readonly metrics: MetricsService,
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
    this.metrics.recordGisExport(
      { countyId: params.county_id, exportFormat: params.export_format },
      result.bytes,
      result.feature_count,
    );
    return { ...result, download_url: downloadPath(ctx.jobId) };
  }
}
