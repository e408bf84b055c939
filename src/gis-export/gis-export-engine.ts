// The GIS export engine: parcels of a county with their attributes and the values of one tax year, filtered
// by neighborhoods, property classes and bbox, rendered as GeoJSON, CSV, KML or a zipped shapefile and
// stored in PostgreSQL for download from any replica until it expires.
//
// Memory stays bounded whatever the county's size: rows stream out of PostgreSQL with COPY (flow-controlled),
// each is rendered on arrival, and the output goes into the artifact store (hashed and counted on the way,
// gzip-compressed for the text formats, in 1 MiB chunks); shapefiles go through temporary files first (their
// headers need final counts).
import { Inject, Injectable, Logger, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConfigModule, registerAs, type ConfigType } from '@nestjs/config';
import { loadEnv } from '../config/env.js';
import { PROPERTY_CLASSES } from '../counties/parcel.entity.js';
import { ValueSetError, ValueSetsRepository, type ValueSet } from '../counties/value-sets.repository.js';
import { PermanentJobError } from '../jobs/job-errors.js';
import type { ProgressFn } from '../jobs/job-processor.js';
import { Timed } from '../observability/decorators/index.js';
import { ARTIFACT_OPERATION_DURATION } from '../observability/metric-names.js';
import { histogramProvider } from '../observability/metric-providers.js';
import {
  ArtifactStore,
  decodedStream,
  type ArtifactUpload,
  type ContentEncoding,
  type StoredArtifact,
} from './artifact-store.js';
import { copyRecords, GisExportRepository, type ExportSelection } from './gis-export.repository.js';
import { CSV_CONTENT_TYPE, CsvWriter } from './writers/csv.writer.js';
import {
  EXPORT_FORMATS,
  type ByteSink,
  type ExportFormat,
  type ExportLayout,
  type FormatWriter,
} from './writers/export-fields.js';
import { GEOJSON_CONTENT_TYPE, GeoJsonWriter } from './writers/geojson.writer.js';
import { KML_CONTENT_TYPE, KmlWriter } from './writers/kml.writer.js';
import { SHAPEFILE_CONTENT_TYPE, ShapefileLimitError, ShapefileWriter } from './writers/shapefile.writer.js';

export interface GisExportInput {
  jobId: string;
  countyId: string;
  exportFormat: ExportFormat;
  taxYear?: number;
  /** `certified`, `current` (default) or a valuation job id. */
  values?: string;
  neighborhoods?: string[];
  propertyClasses?: string[];
  bbox?: [number, number, number, number] /* minLon,minLat,maxLon,maxLat */;
}

export interface GisExportResult {
  export_format: string;
  feature_count: number;
  bytes: number;
  sha256: string;
  artifact_id: string;
  expires_at: string;
  /** The tax year whose values were exported (null: the county has no assessed values). */
  tax_year: number | null;
  /** Which values were exported (null: none, the county has no assessed values). */
  values: ValueSet | null;
  filename: string;
  content_type: string;
}

export interface OpenedExport {
  /** The file's bytes, gzip-coded when contentEncoding is 'gzip'. */
  stream: NodeJS.ReadableStream;
  /** 'gzip' only when the caller accepts gzip and the file is stored gzip-compressed. */
  contentEncoding: ContentEncoding;
  contentType: string;
  filename: string;
  /** Length of `stream`. */
  bytes: number;
  /** SHA-256 of the uncompressed file. */
  sha256: string;
}

export const gisExportConfig = registerAs('gisExport', () => ({
  ttlHours: loadEnv().GIS_EXPORT_TTL_HOURS,
}));
export type GisExportSettings = ConfigType<typeof gisExportConfig>;

/** Expired export files are deleted this often on every replica (a cheap indexed DELETE). */
export const CLEANUP_INTERVAL_MS = 15 * 60_000;

/** Text formats are stored gzip-compressed; a zip is compressed already. */
const STORED_ENCODING: Record<ExportFormat, ContentEncoding> = {
  geojson: 'gzip',
  csv: 'gzip',
  kml: 'gzip',
  shapefile: 'identity',
};
const EXTENSIONS: Record<ExportFormat, string> = { geojson: 'geojson', csv: 'csv', kml: 'kml', shapefile: 'zip' };
export const CONTENT_TYPES: Record<ExportFormat, string> = {
  geojson: GEOJSON_CONTENT_TYPE,
  csv: CSV_CONTENT_TYPE,
  kml: KML_CONTENT_TYPE,
  shapefile: SHAPEFILE_CONTENT_TYPE,
};
/** Share of the progress bar for reading and rendering rows; the shapefile zip takes the rest. */
const ROWS_SHARE: Record<ExportFormat, number> = { geojson: 1, csv: 1, kml: 1, shapefile: 0.8 };
const PROGRESS_STEP = 0.02;
const FINISH_CHECK_BYTES = 8 << 20;

function invalid(message: string): never {
  throw new PermanentJobError('invalid_input', message);
}

/** Checks what the route's DTO already checks, so the engine is safe on its own. */
export function checkInput(input: GisExportInput): void {
  if (typeof input.jobId !== 'string' || input.jobId === '') invalid('job_id is missing');
  if (typeof input.countyId !== 'string' || input.countyId === '') invalid('county_id is missing');
  if (!(EXPORT_FORMATS as readonly string[]).includes(input.exportFormat)) {
    invalid(`export_format must be one of ${EXPORT_FORMATS.join(', ')}`);
  }
  if (
    input.taxYear !== undefined &&
    (!Number.isInteger(input.taxYear) || input.taxYear < 1900 || input.taxYear > 2100)
  ) {
    invalid('tax_year must be a whole number between 1900 and 2100');
  }
  for (const [name, list] of [
    ['neighborhoods', input.neighborhoods],
    ['property_classes', input.propertyClasses],
  ] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.some((v) => typeof v !== 'string'))) {
      invalid(`${name} must be a list of strings`);
    }
  }
  const unknown = (input.propertyClasses ?? []).filter((c) => !(PROPERTY_CLASSES as readonly string[]).includes(c));
  if (unknown.length > 0) {
    invalid(`property_classes has unknown classes (${unknown.join(', ')}); use ${PROPERTY_CLASSES.join(', ')}`);
  }
  if (input.bbox !== undefined) {
    const b = input.bbox;
    if (!Array.isArray(b) || b.length !== 4 || b.some((n) => typeof n !== 'number' || !Number.isFinite(n))) {
      invalid('bbox must be [min_lon, min_lat, max_lon, max_lat]');
    }
    const [minLon, minLat, maxLon, maxLat] = b;
    if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90)
      invalid('bbox must lie within lon -180..180, lat -90..90');
    if (minLon > maxLon || minLat > maxLat) invalid('bbox must be [min_lon, min_lat, max_lon, max_lat] with min ≤ max');
  }
}

export function exportFilename(countyId: string, taxYear: number | null, format: ExportFormat): string {
  const safe = countyId.replace(/[^A-Za-z0-9_-]/g, '_');
  return `parcels-${safe}${taxYear === null ? '' : '-' + taxYear}.${EXTENSIONS[format]}`;
}

export function createWriter(
  format: ExportFormat,
  out: ByteSink,
  filename: string,
  layout: ExportLayout,
  documentName: string,
): FormatWriter {
  switch (format) {
    case 'geojson':
      return new GeoJsonWriter(out, filename);
    case 'csv':
      return new CsvWriter(out, filename);
    case 'kml':
      return new KmlWriter(out, filename, documentName);
    case 'shapefile':
      return new ShapefileWriter(out, filename, { baseName: filename.replace(/\.zip$/, ''), layout });
  }
}

/**
 * The writer's output into the upload. Once `finishing()` is called (the rows are written; the shapefile
 * zip follows), every few MiB of output is a cancellation point, as the rows were.
 */
function outputSink(
  upload: ArtifactUpload,
  format: ExportFormat,
  progress: ProgressFn,
): { sink: ByteSink; finishing: () => void } {
  const phase = { finishing: false, nextCheck: 0 };
  const sink: ByteSink = {
    text: (t) => upload.text(t),
    bytes: (b) => {
      const wait = upload.bytes(b);
      if (!phase.finishing || upload.bytesWritten < phase.nextCheck) return wait;
      phase.nextCheck = upload.bytesWritten + FINISH_CHECK_BYTES;
      const check = progress(ROWS_SHARE[format] * 0.99);
      return wait ? Promise.all([wait, check]).then(() => undefined) : check;
    },
  };
  return {
    sink,
    finishing: () => {
      phase.finishing = true;
    },
  };
}

/** Completes the file (the writer's trailer, then the upload) with a last cancellation point in between. */
async function finishFile(
  writer: FormatWriter,
  upload: ArtifactUpload,
  featureCount: number,
  progress: ProgressFn,
): Promise<StoredArtifact> {
  await writer.finish();
  // Last cancellation point: a job stopped by now must not leave a file behind.
  await progress(0.995);
  const stored = await upload.finish(featureCount);
  await progress(1);
  return stored;
}

/** The job's result: what was stored, and for which tax year. */
function exportResult(input: GisExportInput, values: ValueSet | null, stored: StoredArtifact): GisExportResult {
  return {
    export_format: input.exportFormat,
    feature_count: stored.featureCount,
    bytes: stored.bytes,
    sha256: stored.sha256,
    artifact_id: input.jobId,
    expires_at: stored.expiresAt.toISOString(),
    tax_year: values?.tax_year ?? null,
    values,
    filename: stored.filename,
    content_type: stored.contentType,
  };
}

@Injectable()
export class GisExportEngine implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('GisExportEngine');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repository: GisExportRepository,
    private readonly valueSets: ValueSetsRepository,
    private readonly store: ArtifactStore,
    @Inject(gisExportConfig.KEY) private readonly settings: GisExportSettings,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.deleteExpired().catch((error: unknown) =>
        this.logger.warn(`deleting expired GIS export files failed: ${(error as Error).message}`),
      );
    }, CLEANUP_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async run(input: GisExportInput, progress: ProgressFn): Promise<GisExportResult> {
    checkInput(input);
    const format = input.exportFormat;
    const values = await this.pickValues(input);
    const taxYear = values?.tax_year ?? null;
    const selection: ExportSelection = {
      countyId: input.countyId,
      values,
      neighborhoods: input.neighborhoods,
      propertyClasses: input.propertyClasses,
      bbox: input.bbox,
    };
    const filename = exportFilename(input.countyId, taxYear, format);
    await progress(0);

    const upload = await this.openUpload(input, filename);
    const state: { writer: FormatWriter | null } = { writer: null };
    try {
      const output = outputSink(upload, format, progress);
      const featureCount = await this.writeFeatures(selection, format, filename, output.sink, state, progress);
      output.finishing();
      const stored = await finishFile(state.writer!, upload, featureCount, progress);
      return exportResult(input, values, stored);
    } catch (error) {
      await state.writer?.abort().catch(() => undefined);
      await upload.abort();
      if (error instanceof ShapefileLimitError) throw new PermanentJobError('invalid_input', error.message);
      throw error;
    }
  }

  /** Starts the job's file in the artifact store (written in chunks until finish, removed on abort). */
  private openUpload(input: GisExportInput, filename: string): Promise<ArtifactUpload> {
    const format = input.exportFormat;
    return this.store.begin(
      {
        jobId: input.jobId,
        countyId: input.countyId,
        exportFormat: format,
        contentType: CONTENT_TYPES[format],
        filename,
        contentEncoding: STORED_ENCODING[format],
      },
      this.settings.ttlHours,
    );
  }

  /**
   * The county exists; the values asked for: of the tax year asked for (it must have values), of a valuation
   * job's own year, or of the latest year with values (null: the county has none).
   */
  @Timed({ module: 'gis_export', stage: 'load' })
  private async pickValues(input: GisExportInput): Promise<ValueSet | null> {
    if (!(await this.repository.countyExists(input.countyId))) invalid(`county "${input.countyId}" does not exist`);
    const selector = input.values ?? 'current';
    const isJob = selector !== 'current' && selector !== 'certified';
    let taxYear: number | null = input.taxYear ?? null;
    if (!isJob) {
      const years = await this.valueSets.taxYears(input.countyId);
      if (taxYear === null) {
        taxYear = years[0] ?? null; // the latest year; none → values left empty
        if (taxYear === null) return null;
      } else if (!years.includes(taxYear)) {
        throw new PermanentJobError(
          'insufficient_data',
          `county "${input.countyId}" has no assessed values for tax year ${taxYear}` +
            (years.length > 0 ? ` (years with values: ${years.join(', ')})` : ' (no assessed values at all)'),
        );
      }
    }
    try {
      return await this.valueSets.resolve(input.countyId, taxYear, selector);
    } catch (error) {
      if (error instanceof ValueSetError) invalid(`values ${error.message}`);
      throw error;
    }
  }

  /** Streams the selected parcels through the format's writer into the upload; the feature count. */
  @Timed({ module: 'gis_export', stage: 'write' })
  private writeFeatures(
    selection: ExportSelection,
    format: ExportFormat,
    filename: string,
    sink: ByteSink,
    state: { writer: FormatWriter | null },
    progress: ProgressFn,
  ): Promise<number> {
    const taxYear = selection.values?.tax_year ?? null;
    return this.repository.withReader(async (reader) => {
      const stats = await reader.stats(selection, format === 'shapefile');
      const writer = createWriter(format, sink, filename, { textBytes: stats.textBytes }, filename);
      state.writer = writer;
      if (writer instanceof ShapefileWriter) await writer.open();
      const share = ROWS_SHARE[format];
      let count = 0;
      let next = PROGRESS_STEP;
      for await (const batch of copyRecords(reader.copy(selection), taxYear, format === 'geojson')) {
        for (const record of batch) {
          const wait = writer.write(record);
          if (wait) await wait;
        }
        count += batch.length;
        const done = stats.count > 0 ? count / stats.count : 1;
        if (done >= next) {
          next = done + PROGRESS_STEP;
          await progress(Math.min(1, done) * share * 0.99);
        }
      }
      return count;
    });
  }

  /**
   * The stored file of a job, or null when there is none (or it expired). With `acceptGzip`, a file stored
   * gzip-compressed comes as it is stored (contentEncoding 'gzip'); otherwise the stream is the plain file.
   */
  async openArtifact(jobId: string, options: { acceptGzip?: boolean } = {}): Promise<OpenedExport | null> {
    const artifact = await this.store.open(jobId);
    if (!artifact) return null;
    const raw = artifact.contentEncoding === 'gzip' && options.acceptGzip === true;
    return {
      stream: raw ? artifact.stream : decodedStream(artifact),
      contentEncoding: raw ? 'gzip' : 'identity',
      contentType: artifact.contentType,
      filename: artifact.filename,
      bytes: raw ? artifact.storedBytes : artifact.bytes,
      sha256: artifact.sha256,
    };
  }

  async deleteExpired(): Promise<number> {
    const n = await this.store.deleteExpired();
    if (n > 0) this.logger.log(`deleted ${n} expired GIS export file${n === 1 ? '' : 's'}`);
    return n;
  }
}

/** The engine and its storage; the job platform's gis-export module imports this. */
@Module({
  imports: [ConfigModule.forFeature(gisExportConfig)],
  providers: [
    GisExportRepository,
    ValueSetsRepository,
    ArtifactStore,
    GisExportEngine,
    histogramProvider(ARTIFACT_OPERATION_DURATION),
  ],
  exports: [GisExportEngine, ArtifactStore, ValueSetsRepository],
})
export class GisExportEngineModule {}
