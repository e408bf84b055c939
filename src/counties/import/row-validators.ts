// Row validation for imports. Values come from CSV (strings) or GeoJSON properties (JSON scalars); every
// check mirrors a database constraint or type so that rows passing here never fail the COPY.
import type { FieldError } from '../../common/problem.js';
import type { ParcelAttributes } from '../parcel-columns.js';
import { PROPERTY_CLASSES } from '../parcel.entity.js';
import {
  centroid,
  GeometryError,
  parseWkt,
  toParcelGeometry,
  type ParcelGeometry,
  type PointGeometry,
} from './geometry.js';

export interface ParcelRow extends ParcelAttributes {
  lon: number;
  lat: number;
  geometry: ParcelGeometry | null;
}

export interface SaleRow {
  parcel_id: string;
  sale_date: string;
  /** Decimal string, kept exact for numeric(14,2). */
  sale_price: string;
  is_valid: boolean;
  validity_code: string | null;
  deed_type: string | null;
}

export interface AssessmentRow {
  parcel_id: string;
  tax_year: number;
  land_value: string;
  improvement_value: string;
  /** land_value + improvement_value: as given when it agrees to the cent, computed when left empty. */
  total_value: string;
}

/**
 * The latest sale date an import accepts: today (UTC, the day the import starts) plus a tolerance of
 * `toleranceDays` (IMPORT_SALE_DATE_TOLERANCE_DAYS), for offices whose day begins before UTC's.
 */
export interface SaleDateLimit {
  today: string;
  toleranceDays: number;
  /** today + toleranceDays, YYYY-MM-DD. */
  latest: string;
}

export function saleDateLimit(now: Date, toleranceDays: number): SaleDateLimit {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { today: iso(day), toleranceDays, latest: iso(day + toleranceDays * 86_400_000) };
}

export type RowValidation<Row> = { row: Row; errors?: undefined } | { row?: undefined; errors: FieldError[] };

export const LIMITS = {
  idMaxLength: 64,
  textMaxLength: 200,
  addressMaxLength: 500,
  yearMin: 1600,
  taxYearMin: 1900,
  taxYearMax: 2100,
  gradeMin: 1,
  gradeMax: 10,
  roomsMax: 100,
  landSqftMax: 1e10,
  buildingSqftMax: 1e8,
  /** numeric(14,2): at most 12 digits before the point. */
  moneyIntegerDigits: 12,
  dateMin: '1900-01-01',
  dateMax: '2100-12-31',
} as const;

type Scalar = string | number | boolean;

/**
 * Collects field errors while reading one row. Each reader returns the parsed value (or null when the
 * value is absent or invalid) and records why an invalid value was refused.
 */
class RowReader {
  readonly errors: FieldError[] = [];
  constructor(private readonly fields: Record<string, unknown>) {}

  private fail(field: string, message: string): null {
    this.errors.push({ field, message });
    return null;
  }

  /** The trimmed value; null when absent or empty; a structured JSON value is an error. */
  raw(field: string): Scalar | null {
    const v = this.fields[field];
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') {
      const s = v.trim();
      return s === '' ? null : s;
    }
    if (typeof v === 'number' || typeof v === 'boolean') return v;
    return this.fail(field, 'must be a single value, not an object or array');
  }

  text(field: string, maxLength: number, required: boolean): string | null {
    const v = this.raw(field);
    if (v === null) return required ? this.fail(field, 'is required') : null;
    const s = String(v);
    if (s.length > maxLength) return this.fail(field, `is longer than ${maxLength} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)) {
      return this.fail(field, 'contains control characters');
    }
    return s;
  }

  /** An identifier: no line breaks or tabs either. */
  id(field: string): string | null {
    const s = this.text(field, LIMITS.idMaxLength, true);
    if (s !== null && /[\t\n\r]/.test(s)) return this.fail(field, 'must not contain tabs or line breaks');
    return s;
  }

  number(field: string, min: number, max: number, required = false): number | null {
    const v = this.raw(field);
    if (v === null) return required ? this.fail(field, 'is required') : null;
    const n = typeof v === 'number' ? v : typeof v === 'string' && NUMBER.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n)) return this.fail(field, `must be a number (got ${quote(v)})`);
    if (n < min || n > max) return this.fail(field, `must be between ${min} and ${max} (got ${quote(v)})`);
    return n;
  }

  integer(field: string, min: number, max: number, required = false): number | null {
    const v = this.raw(field);
    if (v === null) return required ? this.fail(field, 'is required') : null;
    const n = typeof v === 'number' ? v : typeof v === 'string' && NUMBER.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) return this.fail(field, `must be a whole number (got ${quote(v)})`);
    if (n < min || n > max) return this.fail(field, `must be between ${min} and ${max} (got ${quote(v)})`);
    return n;
  }

  /** A non-negative amount of money for numeric(14,2), as an exact decimal string. */
  money(field: string, options: { positive: boolean; optional?: boolean }): string | null {
    const v = this.raw(field);
    if (v === null) return options.optional ? null : this.fail(field, 'is required');
    const s = String(v);
    const m = MONEY.exec(s);
    if (!m) {
      return this.fail(
        field,
        `must be a plain decimal amount with at most 2 decimals, such as 250000 or 250000.50 (got ${quote(v)})`,
      );
    }
    const integerDigits = m[1].replace(/^0+(?=\d)/, '');
    if (integerDigits.length > LIMITS.moneyIntegerDigits) {
      return this.fail(field, `must be less than 1e${LIMITS.moneyIntegerDigits} (got ${quote(v)})`);
    }
    if (options.positive && Number(s) <= 0) return this.fail(field, `must be greater than 0 (got ${quote(v)})`);
    return s;
  }

  date(field: string): string | null {
    const v = this.raw(field);
    if (v === null) return this.fail(field, 'is required');
    const s = String(v);
    const m = DATE.exec(s);
    if (!m) return this.fail(field, `must be a date as YYYY-MM-DD (got ${quote(v)})`);
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const d = new Date(Date.UTC(year, month - 1, day));
    if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
      return this.fail(field, `is not a calendar date (got ${quote(v)})`);
    }
    if (s < LIMITS.dateMin || s > LIMITS.dateMax) {
      return this.fail(field, `must be between ${LIMITS.dateMin} and ${LIMITS.dateMax} (got ${quote(v)})`);
    }
    return s;
  }

  boolean(field: string): boolean | null {
    const v = this.raw(field);
    if (v === null) return this.fail(field, 'is required (true or false)');
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
    return this.fail(field, `must be true or false (got ${quote(v)})`);
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | null {
    const v = this.raw(field);
    if (v === null) return this.fail(field, 'is required');
    const s = String(v).toLowerCase();
    if ((allowed as readonly string[]).includes(s)) return s as T;
    return this.fail(field, `must be one of ${allowed.join(', ')} (got ${quote(v)})`);
  }

  geometryFromWkt(field: string): ParcelGeometry | null {
    const v = this.raw(field);
    if (v === null) return null;
    try {
      return parseWkt(String(v));
    } catch (error) {
      if (error instanceof GeometryError) return this.fail(field, error.message);
      throw error;
    }
  }

  geometryFromGeoJson(field: string, value: unknown): ParcelGeometry | null {
    if (value === undefined || value === null) return null;
    try {
      return toParcelGeometry(value);
    } catch (error) {
      if (error instanceof GeometryError) return this.fail(field, error.message);
      throw error;
    }
  }

  error(field: string, message: string): void {
    this.fail(field, message);
  }
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const MONEY = /^(\d+)(\.\d{1,2})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TRUE = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0']);

function quote(v: Scalar): string {
  const s = String(v);
  return `'${s.length > 40 ? `${s.slice(0, 40)}…` : s}'`;
}

/** An amount that passed RowReader.money (digits, at most 2 decimals) in cents, exactly. */
function cents(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
}

/** Cents as a plain amount: whole units without decimals, else with two (150000, 100.25, 100.50). */
function fromCents(value: bigint): string {
  const whole = value / 100n;
  const rest = value % 100n;
  return rest === 0n ? String(whole) : `${whole}.${String(rest).padStart(2, '0')}`;
}

function done<Row>(reader: RowReader, build: () => Row): RowValidation<Row> {
  return reader.errors.length > 0 ? { errors: reader.errors } : { row: build() };
}

/**
 * A parcel row. Location: `geometry_wkt` (CSV) or the feature geometry (GeoJSON) when given, else a
 * Point at lon/lat; lon/lat default to the polygon's centroid, so every parcel has a location.
 */
export function validateParcelRow(
  fields: Record<string, unknown>,
  featureGeometry?: unknown,
): RowValidation<ParcelRow> {
  const r = new RowReader(fields);
  const parcelId = r.id('parcel_id');
  const neighborhood = r.text('neighborhood', LIMITS.textMaxLength, true);
  const propertyClass = r.oneOf('property_class', PROPERTY_CLASSES);
  const landSqft = r.number('land_sqft', 0, LIMITS.landSqftMax);
  const buildingSqft = r.number('building_sqft', 0, LIMITS.buildingSqftMax);
  const yearBuilt = r.integer('year_built', LIMITS.yearMin, new Date().getUTCFullYear() + 5);
  const quality = r.integer('quality', LIMITS.gradeMin, LIMITS.gradeMax);
  const condition = r.integer('condition', LIMITS.gradeMin, LIMITS.gradeMax);
  const bedrooms = r.integer('bedrooms', 0, LIMITS.roomsMax);
  const bathrooms = r.number('bathrooms', 0, LIMITS.roomsMax);
  const situsAddress = r.text('situs_address', LIMITS.addressMaxLength, false);
  const lon = r.number('lon', -180, 180);
  const lat = r.number('lat', -90, 90);
  const lonGiven = r.raw('lon') !== null;
  const latGiven = r.raw('lat') !== null;
  if (lonGiven !== latGiven) r.error(lonGiven ? 'lat' : 'lon', 'is required when lon/lat is given');

  let geometry: ParcelGeometry | null;
  let hadGeometry: boolean;
  if (featureGeometry !== undefined) {
    geometry = r.geometryFromGeoJson('geometry', featureGeometry);
    hadGeometry = featureGeometry !== null;
  } else {
    geometry = r.geometryFromWkt('geometry_wkt');
    hadGeometry = r.raw('geometry_wkt') !== null;
  }
  if (!hadGeometry && !lonGiven && !latGiven) {
    r.error('lon', featureGeometry !== undefined ? 'is required when the feature has no geometry' : 'is required');
    r.error('lat', featureGeometry !== undefined ? 'is required when the feature has no geometry' : 'is required');
  }

  return done(r, () => {
    let location: [number, number];
    if (lon !== null && lat !== null) location = [lon, lat];
    else location = centroid(geometry!);
    const stored: ParcelGeometry = geometry ?? ({ type: 'Point', coordinates: location } satisfies PointGeometry);
    return {
      parcel_id: parcelId!,
      neighborhood: neighborhood!,
      property_class: propertyClass!,
      land_sqft: landSqft,
      building_sqft: buildingSqft,
      year_built: yearBuilt,
      quality,
      condition,
      bedrooms,
      bathrooms,
      situs_address: situsAddress,
      lon: location[0],
      lat: location[1],
      geometry: stored,
    };
  });
}

/** A sale. It must have taken place: a sale_date after `limit.latest` is refused. */
export function validateSaleRow(fields: Record<string, unknown>, limit: SaleDateLimit): RowValidation<SaleRow> {
  const r = new RowReader(fields);
  const parcelId = r.id('parcel_id');
  let saleDate = r.date('sale_date');
  if (saleDate !== null && saleDate > limit.latest) {
    const bound =
      limit.toleranceDays === 0
        ? `${limit.latest} (today, UTC)`
        : `${limit.latest} (today, UTC, ${limit.today}, plus ${limit.toleranceDays} day${limit.toleranceDays === 1 ? '' : 's'} of tolerance)`;
    r.error(
      'sale_date',
      `must not be later than ${bound}: a sale is imported once it has taken place (got '${saleDate}')`,
    );
    saleDate = null;
  }
  const salePrice = r.money('sale_price', { positive: true });
  const isValid = r.boolean('is_valid');
  const validityCode = r.text('validity_code', LIMITS.textMaxLength, false);
  const deedType = r.text('deed_type', LIMITS.textMaxLength, false);
  return done(r, () => ({
    parcel_id: parcelId!,
    sale_date: saleDate!,
    sale_price: salePrice!,
    is_valid: isValid!,
    validity_code: validityCode,
    deed_type: deedType,
  }));
}

/**
 * An assessed value. total_value is land_value + improvement_value: left empty (or its column left out)
 * it is computed; given, it must agree exactly, to the cent, or the row is refused with the three figures.
 */
export function validateAssessmentRow(fields: Record<string, unknown>): RowValidation<AssessmentRow> {
  const r = new RowReader(fields);
  const parcelId = r.id('parcel_id');
  const taxYear = r.integer('tax_year', LIMITS.taxYearMin, LIMITS.taxYearMax, true);
  const land = r.money('land_value', { positive: false });
  const improvement = r.money('improvement_value', { positive: false });
  let total = r.money('total_value', { positive: false, optional: true });
  const totalGiven = r.raw('total_value') !== null;
  if (land !== null && improvement !== null && (total !== null || !totalGiven)) {
    const sum = cents(land) + cents(improvement);
    if (total === null) {
      total = fromCents(sum);
      if (total.split('.')[0].length > LIMITS.moneyIntegerDigits) {
        r.error(
          'total_value',
          `cannot be computed: land_value + improvement_value = ${land} + ${improvement} = ${total}, which is not less than 1e${LIMITS.moneyIntegerDigits}`,
        );
      }
    } else if (cents(total) !== sum) {
      r.error(
        'total_value',
        `must equal land_value + improvement_value: ${land} + ${improvement} = ${fromCents(sum)} (got '${total}'); correct it or leave it empty to have it computed`,
      );
    }
  }
  return done(r, () => ({
    parcel_id: parcelId!,
    tax_year: taxYear!,
    land_value: land!,
    improvement_value: improvement!,
    total_value: total!,
  }));
}
