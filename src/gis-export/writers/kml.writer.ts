// KML 2.2: a Document of Placemarks, each named by its parcel_id, with every export field as ExtendedData
// <Data name="…"><value>…</value></Data> (missing values left out) and its Point, Polygon or MultiGeometry
// of Polygons (lon,lat; exterior rings counter-clockwise). All text is XML-escaped.
import { EXPORT_FIELDS, type ByteSink, type ExportRecord, type FormatWriter } from './export-fields.js';
import { coord, type ExportGeometry, type Ring } from './geometry.js';

export const KML_CONTENT_TYPE = 'application/vnd.google-earth.kml+xml';

// Control characters other than tab, LF and CR are not allowed in XML 1.0.
// eslint-disable-next-line no-control-regex
const SPECIAL = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex
const SPECIAL_ALL = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes markup characters and drops characters XML 1.0 does not allow. */
export function xmlEscape(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ENTITIES[c] ?? '') : s;
}

const DATA_OPEN = EXPORT_FIELDS.map((f) => `<Data name="${f.name}"><value>`);

function kmlRing(ring: Ring): string {
  let s = '<LinearRing><coordinates>';
  for (let i = 0; i < ring.length; i++) {
    if (i > 0) s += ' ';
    s += coord(ring[i][0]) + ',' + coord(ring[i][1]);
  }
  return s + '</coordinates></LinearRing>';
}

function kmlPolygon(rings: Ring[]): string {
  let s = '<Polygon><outerBoundaryIs>' + kmlRing(rings[0]) + '</outerBoundaryIs>';
  for (let i = 1; i < rings.length; i++) s += '<innerBoundaryIs>' + kmlRing(rings[i]) + '</innerBoundaryIs>';
  return s + '</Polygon>';
}

export function kmlGeometry(g: ExportGeometry | null): string {
  if (g === null) return '';
  switch (g.type) {
    case 'Point':
      return (
        '<Point><coordinates>' + coord(g.coordinates[0]) + ',' + coord(g.coordinates[1]) + '</coordinates></Point>'
      );
    case 'Polygon':
      return g.coordinates.length > 0 ? kmlPolygon(g.coordinates) : '';
    case 'MultiPolygon':
      return (
        '<MultiGeometry>' +
        g.coordinates
          .filter((p) => p.length > 0)
          .map(kmlPolygon)
          .join('') +
        '</MultiGeometry>'
      );
  }
}

export class KmlWriter implements FormatWriter {
  readonly contentType = KML_CONTENT_TYPE;
  private started = false;

  constructor(
    private readonly out: ByteSink,
    readonly filename: string,
    private readonly documentName: string,
  ) {}

  private head(): string {
    this.started = true;
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>\n<name>' +
      xmlEscape(this.documentName) +
      '</name>\n'
    );
  }

  write(record: ExportRecord): Promise<void> | undefined {
    const v = record.values;
    let s = this.started ? '' : this.head();
    s += '<Placemark><name>' + xmlEscape(v[0] ?? '') + '</name><ExtendedData>';
    for (let i = 0; i < v.length; i++) {
      const value = v[i];
      if (value !== null) s += DATA_OPEN[i] + xmlEscape(value) + '</value></Data>';
    }
    s += '</ExtendedData>' + kmlGeometry(record.geometry) + '</Placemark>\n';
    return this.out.text(s);
  }

  async finish(): Promise<void> {
    await this.out.text((this.started ? '' : this.head()) + '</Document>\n</kml>\n');
  }

  async abort(): Promise<void> {}
}
