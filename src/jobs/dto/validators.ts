// Validators shared by the run bodies of the job modules.
import { applyDecorators } from '@nestjs/common';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsOptional,
  IsString,
  Length,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { isIsoDate } from '../../statistics/calendar.js';

export const MIN_TAX_YEAR = 1990;

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

/** A calendar date `YYYY-MM-DD`. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => isIsoDate(value),
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
          if (!isIsoDate(value) || !isIsoDate(start)) return true; // the date checks report those
          return value >= start;
        },
        defaultMessage: () => `must not be before ${other}`,
      },
    },
    options,
  );
}

/** An optional list of 1 to 1000 distinct neighborhood names of 1 to 100 characters (OpenAPI: per DTO). */
export function IsNeighborhoodList(): PropertyDecorator {
  // Listed bottom-up: applyDecorators applies in list order, stacked decorators apply from the bottom.
  return applyDecorators(
    Length(1, 100, { each: true }),
    IsString({ each: true }),
    ArrayUnique({ message: 'must not repeat a neighborhood' }),
    ArrayMaxSize(1000),
    ArrayMinSize(1),
    IsArray(),
    IsOptional(),
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
