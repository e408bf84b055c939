// CSV (RFC 4180): a header row of the snake_case export fields and `geometry_wkt` (OGC WKT, WGS84 lon/lat),
// CRLF line ends, fields quoted when they hold a comma, quote or line break. Text cells a spreadsheet would
// read as a formula (starting with =, +, -, @, tab or carriage return) get a leading apostrophe.
import { csvTextCell } from '../../common/csv.js';
import { EXPORT_FIELDS, type ByteSink, type ExportRecord, type FormatWriter } from './export-fields.js';
import { toWkt } from './geometry.js';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const CSV_HEADER = [...EXPORT_FIELDS.map((f) => f.name), 'geometry_wkt'];

const NUMBER = EXPORT_FIELDS.map((f) => f.kind === 'number');
export class CsvWriter implements FormatWriter {
  readonly contentType = CSV_CONTENT_TYPE;
  private first = true;

  constructor(
    private readonly out: ByteSink,
    readonly filename: string,
  ) {}

  private header(): string {
    this.first = false;
    return CSV_HEADER.join(',') + '\r\n';
  }

  write(record: ExportRecord): Promise<void> | undefined {
    let s = this.first ? this.header() : '';
    const v = record.values;
    for (let i = 0; i < v.length; i++) {
      const value = v[i];
      if (i > 0) s += ',';
      if (value !== null) s += NUMBER[i] ? value : csvTextCell(value);
    }
    // An empty geometry_wkt cell for a parcel without geometry; WKT itself is always quoted (it has commas).
    s += record.geometry === null ? ',\r\n' : ',"' + toWkt(record.geometry) + '"\r\n';
    return this.out.text(s);
  }

  async finish(): Promise<void> {
    if (this.first) await this.out.text(this.header());
  }

  async abort(): Promise<void> {}
}
