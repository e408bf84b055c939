// Streamed imports: media type → parser → row validation → COPY → upsert, with per-row rejections.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BusinessEvents } from '../logging/business-events.js';
import type { ConfigType } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import type { Readable, Transform } from 'node:stream';
import { ProblemException } from '../common/problem.js';
import { appConfig } from '../config/app.config.js';
import { CountiesService, type CountyCaller } from './counties.service.js';
import { CountyImportsRepository } from './county-imports.repository.js';
import type { ImportUploadBody } from './import/import-body.js';
import { IMPORT_SPECS, type ImportFormat, type ImportKind } from './import/import-formats.js';
import { ImportFailedProblem, UnsupportedImportMediaTypeProblem } from './import/import-problems.js';
import { CsvFramer } from './import/csv-framer.js';
import { saleDateLimit } from './import/row-validators.js';
import { SetwiseCsvImporter, type SetwiseKind } from './import/sql-import.js';
import {
  ByteLimit,
  csvRecordStages,
  describeParseError,
  feedUpload,
  geoJsonRecordStages,
  REJECTED_ROWS_SHOWN,
  RowStager,
  type RejectedRow,
} from './import/import-streams.js';

export interface ImportResult {
  county_id: string;
  kind: ImportKind;
  format: ImportFormat;
  rows_read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  superseded: number;
  rejected: number;
  rejected_rows: RejectedRow[];
  duration_ms: number;
}

/**
 * The answer of one import: `rejectedRows` (from every stage, in any order) are listed by line, the
 * first REJECTED_ROWS_SHOWN of them.
 */
function importResult(
  head: Pick<ImportResult, 'county_id' | 'kind' | 'format' | 'rows_read'>,
  counts: Pick<ImportResult, 'inserted' | 'updated' | 'unchanged' | 'superseded'>,
  rejected: number,
  rejectedRows: RejectedRow[],
  started: number,
): ImportResult {
  return {
    county_id: head.county_id,
    kind: head.kind,
    format: head.format,
    rows_read: head.rows_read,
    inserted: counts.inserted,
    updated: counts.updated,
    unchanged: counts.unchanged,
    superseded: counts.superseded,
    rejected,
    rejected_rows: rejectedRows.sort((a, b) => a.line - b.line).slice(0, REJECTED_ROWS_SHOWN),
    duration_ms: Math.round(performance.now() - started),
  };
}

/** Kinds whose CSV import runs set-wise in SQL (import/sql-import.ts). */
const SETWISE_KINDS: ReadonlySet<ImportKind> = new Set<ImportKind>(['parcels']);

const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

@Injectable()
export class CountyImportsService {
  private readonly logger = new Logger(CountyImportsService.name);

  constructor(
    private readonly counties: CountiesService,
    private readonly repository: CountyImportsRepository,
    private readonly setwise: SetwiseCsvImporter,
    private readonly events: BusinessEvents,
    @Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>,
  ) {}

  /**
   * Imports one file. All or nothing: the file's valid rows are applied in one transaction, or —
   * when the upload breaks off or the database fails — nothing is. Rows that fail validation, or
   * that name a parcel the county does not have, are rejected and reported; the other rows land.
   * Within one file, the last valid row for a natural key wins.
   */
  async importFile(
    countyId: string,
    kind: ImportKind,
    upload: ImportUploadBody,
    caller: CountyCaller & { sub?: string },
  ): Promise<ImportResult> {
    const result = await this.importOne(countyId, kind, upload, caller);
    this.events.log('county_import_finished', {
      module: 'counties',
      county_id: countyId,
      ...(caller.sub ? { user_id: caller.sub } : {}),
      figures: {
        kind: result.kind,
        format: result.format,
        rows_read: result.rows_read,
        inserted: result.inserted,
        updated: result.updated,
        unchanged: result.unchanged,
        superseded: result.superseded,
        rejected: result.rejected,
        duration_ms: result.duration_ms,
      },
    });
    return result;
  }

  private async importOne(
    countyId: string,
    kind: ImportKind,
    upload: ImportUploadBody,
    caller: CountyCaller,
  ): Promise<ImportResult> {
    const started = performance.now();
    const spec = IMPORT_SPECS[kind];
    const format = this.formatOf(kind, upload);
    await this.counties.getCountyOr404(countyId, caller);
    // CSV parcels are parsed by PostgreSQL and validated in SQL; the other imports row by row here.
    if (format === 'csv' && SETWISE_KINDS.has(kind)) {
      return this.importCsvSetwise(countyId, kind as SetwiseKind, upload.stream!, started);
    }

    const limiter = new ByteLimit(this.config.importMaxBytes);
    const stager = new RowStager(spec, {
      saleDates: saleDateLimit(new Date(), this.config.importSaleDateToleranceDays),
    });
    const parse: Transform[] = format === 'csv' ? csvRecordStages(spec) : geoJsonRecordStages(spec);
    const stream = upload.stream!;
    let feed: ReturnType<typeof feedUpload> | undefined;

    let outcome;
    try {
      outcome = await this.repository.importRows(
        countyId,
        kind,
        spec.stagingColumns,
        (copyIn) => {
          // Reading starts only once COPY is ready, so every stage has its error handling attached.
          feed = feedUpload(stream, limiter);
          return pipeline([limiter, ...parse, stager, copyIn]);
        },
        REJECTED_ROWS_SHOWN,
      );
    } catch (error) {
      throw this.toProblem(error, countyId, kind);
    } finally {
      if (feed) feed.detach();
      else if (!stream.readableEnded && !stream.destroyed) stream.resume();
    }

    const unknownParcelRows: RejectedRow[] = outcome.unknownParcels.first.map((r) => ({
      line: r.line,
      parcel_id: r.parcel_id,
      errors: [{ field: 'parcel_id', message: `parcel '${r.parcel_id}' does not exist in county '${countyId}'` }],
    }));
    return importResult(
      { county_id: countyId, kind, format, rows_read: stager.stats.rowsRead },
      outcome,
      stager.stats.rejected + outcome.unknownParcels.count,
      [...stager.stats.rejectedRows, ...unknownParcelRows],
      started,
    );
  }

  /** CSV → framing (header, record shape) → COPY of the raw records → validation and upsert in SQL. */
  private async importCsvSetwise(
    countyId: string,
    kind: SetwiseKind,
    stream: Readable,
    started: number,
  ): Promise<ImportResult> {
    const limiter = new ByteLimit(this.config.importMaxBytes);
    const framer = new CsvFramer(IMPORT_SPECS[kind]);
    const feed = feedUpload(stream, limiter);
    // Framing starts at once: the staging table takes its columns from the header.
    const framing = pipeline(limiter, framer);
    framing.catch(() => undefined);
    let outcome;
    try {
      const columns = await framer.header;
      outcome = await this.setwise.importCsv(
        countyId,
        kind,
        columns,
        async (copyIn) => {
          await pipeline(framer, copyIn);
          await framing;
          return framer.specialRecords();
        },
        REJECTED_ROWS_SHOWN,
      );
    } catch (error) {
      throw this.toProblem(error, countyId, kind);
    } finally {
      feed.detach();
      if (!framer.destroyed && !framer.writableFinished) framer.destroy();
    }

    const sqlRejected: RejectedRow[] = outcome.rejectedRows.map(({ ordinal, ...row }) => ({
      line: framer.lineOf(ordinal),
      ...row,
    }));
    return importResult(
      { county_id: countyId, kind, format: 'csv', rows_read: framer.stats.rowsRead },
      outcome,
      framer.stats.rejected + outcome.rejected,
      [...framer.stats.rejectedRows, ...sqlRejected],
      started,
    );
  }

  private formatOf(kind: ImportKind, upload: ImportUploadBody): ImportFormat {
    const formats = IMPORT_SPECS[kind].formats;
    const accepted = Object.values(formats);
    const format = (Object.keys(formats) as ImportFormat[]).find((f) => formats[f] === upload.mediaType);
    const charsetOk = upload.charset === undefined || UTF8_CHARSETS.has(upload.charset);
    if (!format || !upload.stream || !charsetOk) {
      throw new UnsupportedImportMediaTypeProblem(accepted, upload.contentType);
    }
    return format;
  }

  private toProblem(error: unknown, countyId: string, kind: ImportKind): unknown {
    const described = describeParseError(error);
    if (described instanceof ProblemException && described.statusCode < 500) return described;
    this.logger.error({ err: error, county_id: countyId, kind }, 'Import failed and was rolled back');
    return new ImportFailedProblem();
  }
}
