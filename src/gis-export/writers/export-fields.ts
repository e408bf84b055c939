// The attributes every export format carries, in order, with their shapefile (dBase) mapping.
import type { ExportGeometry } from './geometry.js';

export const EXPORT_FORMATS = ['geojson', 'csv', 'kml', 'shapefile'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportField {
  /** snake_case name in GeoJSON properties, CSV headers and KML ExtendedData. */
  name: string;
  kind: 'text' | 'number';
  /** dBase III field name (≤ 10 characters) in the shapefile. */
  dbfName: string;
  /** dBase type: C character, N numeric (text digits, right-aligned). */
  dbfType: 'C' | 'N';
  /** Width in bytes; for C fields the widest value of the export decides (up to 254), this is the minimum. */
  dbfWidth: number;
  dbfDecimals: number;
}

const text = (name: string, dbfName: string, dbfWidth: number): ExportField => ({
  name,
  kind: 'text',
  dbfName,
  dbfType: 'C',
  dbfWidth,
  dbfDecimals: 0,
});
const num = (name: string, dbfName: string, dbfWidth: number, dbfDecimals: number): ExportField => ({
  name,
  kind: 'number',
  dbfName,
  dbfType: 'N',
  dbfWidth,
  dbfDecimals,
});

/**
 * Widths hold every value the import accepts (land_sqft ≤ 1e10, building_sqft ≤ 1e8, grades ≤ 10,
 * rooms ≤ 100, values numeric(14,2)); smallint columns get room for any smallint.
 */
export const EXPORT_FIELDS: readonly ExportField[] = [
  text('parcel_id', 'PARCEL_ID', 1),
  text('neighborhood', 'NBHD', 1),
  text('property_class', 'PROP_CLASS', 12),
  num('land_sqft', 'LAND_SQFT', 18, 2),
  num('building_sqft', 'BLDG_SQFT', 14, 2),
  num('year_built', 'YR_BUILT', 6, 0),
  num('quality', 'QUALITY', 6, 0),
  num('condition', 'CONDITION', 6, 0),
  num('bedrooms', 'BEDROOMS', 6, 0),
  num('bathrooms', 'BATHROOMS', 8, 2),
  text('situs_address', 'SITUS_ADDR', 1),
  num('lon', 'LON', 12, 7),
  num('lat', 'LAT', 11, 7),
  num('tax_year', 'TAX_YEAR', 6, 0),
  num('land_value', 'LAND_VAL', 16, 2),
  num('improvement_value', 'IMPR_VAL', 16, 2),
  num('total_value', 'TOT_VAL', 16, 2),
];

/**
 * One parcel as exported. `values` follow EXPORT_FIELDS: text fields as text, number fields as their
 * canonical decimal text (PostgreSQL's output, lon/lat rounded to 7 decimals); null when missing.
 */
export interface ExportRecord {
  values: (string | null)[];
  geometry: ExportGeometry | null;
  /**
   * Only when rows are read for GeoJSON (copyRecords with `geoJson`): the geometry as its final GeoJSON
   * text, made straight from the database's text; `geometry` is then left null.
   */
  geojson?: string;
}

/** What a writer knows before the first record (from one pass over the selection's statistics). */
export interface ExportLayout {
  /** Widest UTF-8 value of each C field, by field name. */
  textBytes: Record<string, number>;
}

/** Writes records of one format into `out`; a returned promise means "wait before the next record". */
export interface FormatWriter {
  readonly contentType: string;
  /** File name of the artifact without directory, e.g. `parcels-demo-2025.geojson`. */
  readonly filename: string;
  write(record: ExportRecord): Promise<void> | undefined;
  /** Writes what is left (footer, or the whole zip for shapefiles). */
  finish(): Promise<void>;
  /** Releases temporary resources after a failure (idempotent). */
  abort(): Promise<void>;
}

/** Where writers put their bytes: buffered and chunked by the artifact store. */
export interface ByteSink {
  /** Appends text (UTF-8); a returned promise means the sink is flushing, await it before writing more. */
  text(s: string): Promise<void> | undefined;
  bytes(b: Buffer): Promise<void> | undefined;
}
