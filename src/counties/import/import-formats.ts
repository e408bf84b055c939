// The three import kinds: their columns, accepted media types and how one row is validated and staged.
import type { FieldError } from '../../common/problem.js';
import { copyValue, type CopyScalar } from '../../database/copy-text.js';
import { PARCEL_COLUMNS } from '../parcel-columns.js';
import {
  validateAssessmentRow,
  validateParcelRow,
  validateSaleRow,
  type AssessmentRow,
  type ParcelRow,
  type RowValidation,
  type SaleDateLimit,
  type SaleRow,
} from './row-validators.js';

export const IMPORT_KINDS = ['parcels', 'sales', 'assessments'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const MEDIA_CSV = 'text/csv';
export const MEDIA_GEOJSON = 'application/geo+json';
export type ImportFormat = 'csv' | 'geojson';

/** What the row rules of one import depend on besides the row: the day it runs and the settings. */
export interface ImportRules {
  saleDates: SaleDateLimit;
}

export interface ImportKindSpec<Row> {
  /** Media types the route takes, by format. */
  formats: Partial<Record<ImportFormat, string>>;
  /** CSV header columns that must be present (values may still be empty where the field is optional). */
  requiredColumns: readonly string[];
  optionalColumns: readonly string[];
  /** Properties GeoJSON features may carry. */
  allowedProperties: readonly string[];
  /** `geometry`: the GeoJSON feature's (undefined for CSV). */
  validate(fields: Record<string, unknown>, geometry: unknown, rules: ImportRules): RowValidation<Row>;
  /** Staging columns in COPY order, after `line`. */
  stagingColumns: readonly string[];
  /** The row as COPY values, in `stagingColumns` order. */
  toCopyValues(row: Row): readonly CopyScalar[];
}

export const parcelsSpec: ImportKindSpec<ParcelRow> = {
  formats: { csv: MEDIA_CSV, geojson: MEDIA_GEOJSON },
  requiredColumns: PARCEL_COLUMNS,
  optionalColumns: ['geometry_wkt'],
  allowedProperties: PARCEL_COLUMNS,
  validate: (fields, geometry) => validateParcelRow(fields, geometry),
  stagingColumns: [...PARCEL_COLUMNS, 'geometry'],
  toCopyValues: (r) => [
    r.parcel_id,
    r.neighborhood,
    r.property_class,
    r.land_sqft,
    r.building_sqft,
    r.year_built,
    r.quality,
    r.condition,
    r.bedrooms,
    r.bathrooms,
    r.situs_address,
    r.lon,
    r.lat,
    r.geometry === null ? null : JSON.stringify(r.geometry),
  ],
};

const SALE_COLUMNS = ['parcel_id', 'sale_date', 'sale_price', 'is_valid', 'validity_code', 'deed_type'] as const;

export const salesSpec: ImportKindSpec<SaleRow> = {
  formats: { csv: MEDIA_CSV },
  requiredColumns: SALE_COLUMNS,
  optionalColumns: [],
  allowedProperties: SALE_COLUMNS,
  validate: (fields, _geometry, rules) => validateSaleRow(fields, rules.saleDates),
  stagingColumns: SALE_COLUMNS,
  toCopyValues: (r) => [r.parcel_id, r.sale_date, r.sale_price, r.is_valid, r.validity_code, r.deed_type],
};

const ASSESSMENT_COLUMNS = ['parcel_id', 'tax_year', 'land_value', 'improvement_value', 'total_value'] as const;

export const assessmentsSpec: ImportKindSpec<AssessmentRow> = {
  formats: { csv: MEDIA_CSV },
  // total_value is land_value + improvement_value: computed when its column or value is left out.
  requiredColumns: ASSESSMENT_COLUMNS.filter((c) => c !== 'total_value'),
  optionalColumns: ['total_value'],
  allowedProperties: ASSESSMENT_COLUMNS,
  validate: (fields) => validateAssessmentRow(fields),
  stagingColumns: ASSESSMENT_COLUMNS,
  toCopyValues: (r) => [r.parcel_id, r.tax_year, r.land_value, r.improvement_value, r.total_value],
};

export const IMPORT_SPECS: Record<ImportKind, ImportKindSpec<unknown>> = {
  parcels: parcelsSpec as ImportKindSpec<unknown>,
  sales: salesSpec as ImportKindSpec<unknown>,
  assessments: assessmentsSpec as ImportKindSpec<unknown>,
};

/** Checks a CSV header against the spec: unknown, missing and repeated columns, all named at once. */
export function checkHeader(spec: ImportKindSpec<unknown>, columns: readonly string[]): FieldError[] {
  const allowed = new Set([...spec.requiredColumns, ...spec.optionalColumns]);
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  columns.forEach((name, index) => {
    if (name === '') {
      errors.push({ field: `column ${index + 1}`, message: 'has an empty name' });
    } else if (!allowed.has(name)) {
      errors.push({ field: name, message: 'is not a known column' });
    } else if (seen.has(name)) {
      errors.push({ field: name, message: 'appears more than once' });
    }
    seen.add(name);
  });
  for (const name of spec.requiredColumns) {
    if (!seen.has(name)) errors.push({ field: name, message: 'is a required column and is missing' });
  }
  return errors;
}

/** A staged row in COPY text format: its line number, then its values. */
export function copyLine(line: number, values: readonly CopyScalar[]): string {
  let out = String(line);
  for (const v of values) out += '\t' + copyValue(v);
  return out + '\n';
}
