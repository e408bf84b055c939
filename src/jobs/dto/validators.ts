// Validators shared by the run bodies of the job modules.
import { ValidateBy, type ValidationOptions } from 'class-validator';

export const MIN_TAX_YEAR = 1990;
export const PROPERTY_CLASSES = ['residential', 'commercial', 'industrial', 'agricultural', 'vacant'] as const;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A whole year from 1990 to next year (evaluated per request, so it moves with the calendar). */
export function IsTaxYear(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTaxYear',
      validator: {
        validate: (value: unknown) =>
          Number.isInteger(value) && (value as number) >= MIN_TAX_YEAR && (value as number) <= maxTaxYear(),
        defaultMessage: () => `must be a whole year from ${MIN_TAX_YEAR} to ${maxTaxYear()}`,
      },
    },
    options,
  );
}

export function maxTaxYear(): number {
  return new Date().getUTCFullYear() + 1;
}

export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** A calendar date `YYYY-MM-DD`. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => isCalendarDate(value),
        defaultMessage: () => 'must be a date YYYY-MM-DD',
      },
    },
    options,
  );
}

/** This date is on or after the date in property `other` (when both are valid dates). */
export function IsOnOrAfter(other: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isOnOrAfter',
      constraints: [other],
      validator: {
        validate: (value: unknown, args) => {
          const start = (args?.object as Record<string, unknown>)[other];
          if (!isCalendarDate(value) || !isCalendarDate(start)) return true; // the date checks report those
          return value >= start;
        },
        defaultMessage: () => `must not be before ${other}`,
      },
    },
    options,
  );
}

/** `[min_lon, min_lat, max_lon, max_lat]` in WGS84 degrees with min < max. */
export function IsBbox(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBbox',
      validator: {
        validate: (value: unknown) => bboxProblem(value) === null,
        defaultMessage: (args) => bboxProblem(args?.value) ?? 'must be a bounding box',
      },
    },
    options,
  );
}

export function bboxProblem(value: unknown): string | null {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    return 'must be [min_lon, min_lat, max_lon, max_lat]: four numbers';
  }
  const [minLon, minLat, maxLon, maxLat] = value as number[];
  if (minLon < -180 || maxLon > 180) return 'longitudes must be between -180 and 180';
  if (minLat < -90 || maxLat > 90) return 'latitudes must be between -90 and 90';
  if (minLon >= maxLon) return 'min_lon must be less than max_lon';
  if (minLat >= maxLat) return 'min_lat must be less than max_lat';
  return null;
}
