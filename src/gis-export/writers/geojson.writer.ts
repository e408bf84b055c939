// RFC 7946 GeoJSON: one FeatureCollection, WGS84 lon/lat (no `crs` member), exterior rings counter-clockwise,
// coordinates with at most 7 decimals; properties are the snake_case export fields.
import { EXPORT_FIELDS, type ByteSink, type ExportRecord, type FormatWriter } from './export-fields.js';
import { toGeoJsonText } from './geometry.js';

export const GEOJSON_CONTENT_TYPE = 'application/geo+json';

/** `"name":` prefixes of the properties, computed once. */
const KEYS = EXPORT_FIELDS.map((f, i) => (i === 0 ? '' : ',') + JSON.stringify(f.name) + ':');
const NUMBER = EXPORT_FIELDS.map((f) => f.kind === 'number');

export class GeoJsonWriter implements FormatWriter {
  readonly contentType = GEOJSON_CONTENT_TYPE;
  private first = true;

  constructor(
    private readonly out: ByteSink,
    readonly filename: string,
  ) {}

  write(record: ExportRecord): Promise<void> | undefined {
    const v = record.values;
    let s = this.first ? '{"type":"FeatureCollection","features":[\n' : ',\n';
    this.first = false;
    s +=
      '{"type":"Feature","id":' +
      JSON.stringify(v[0]) +
      ',"geometry":' +
      (record.geojson ?? toGeoJsonText(record.geometry));
    s += ',"properties":{';
    for (let i = 0; i < KEYS.length; i++) {
      const value = v[i];
      // Number fields hold canonical decimal text already (valid JSON numbers).
      s += KEYS[i] + (value === null ? 'null' : NUMBER[i] ? value : JSON.stringify(value));
    }
    return this.out.text(s + '}}');
  }

  async finish(): Promise<void> {
    await this.out.text(this.first ? '{"type":"FeatureCollection","features":[]}\n' : '\n]}\n');
  }

  async abort(): Promise<void> {}
}
