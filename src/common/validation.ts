// The global pipes — NUL characters and repeated query fields refused, then the ValidationPipe (whitelist,
// reject unknown fields, transform), all answering problem+json field errors — and the validators of rules
// every module's DTOs share.
import {
  applyDecorators,
  ValidationPipe,
  type ArgumentMetadata,
  type PipeTransform,
  type ValidationError,
} from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, type ValidationOptions } from 'class-validator';
import { COUNTY_ID_MESSAGE, COUNTY_ID_PATTERN } from './county-id.js';
import { ValidationProblem, type FieldError } from './problem.js';

/** A county id (COUNTY_ID_PATTERN), wherever a request carries one: path, query or body. */
export function IsCountyId(options?: ValidationOptions): PropertyDecorator {
  return Matches(COUNTY_ID_PATTERN, { message: COUNTY_ID_MESSAGE, ...options });
}

/** Constraints on a value's type: when one fails, the others only restate it ("x" is no list of names). */
const TYPE_CONSTRAINTS = new Set(['isArray', 'isString', 'isInt', 'isNumber', 'isBoolean', 'isObject']);

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    const typeErrors = constraints.filter(([name]) => TYPE_CONSTRAINTS.has(name));
    for (const [, message] of typeErrors.length > 0 ? typeErrors : constraints) {
      out.push({ field, message: message.replace(/^property (\S+) should not exist$/, 'is not an allowed field') });
    }
    if (error.children?.length && typeErrors.length === 0) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** The `limit` of a cursor-paginated list: an optional whole number from 1 to `max` (query strings convert). */
export function IsPageLimit(max: number): PropertyDecorator {
  // Listed bottom-up: applyDecorators applies in list order, stacked decorators apply from the bottom.
  return applyDecorators(
    Max(max),
    Min(1),
    IsInt({ message: 'must be a whole number' }),
    Type(() => Number),
    IsOptional(),
  );
}

/** The `cursor` of a cursor-paginated list: the opaque next_cursor of the previous page. */
export function IsPageCursor(): PropertyDecorator {
  return applyDecorators(MaxLength(200), IsString(), IsOptional());
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationProblem(flattenValidationErrors(errors)),
  });
}

const NUL = '\u0000';
/** Half of a UTF-16 pair on its own: not encodable as UTF-8, it would be stored as U+FFFD, silently changed. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Deeper than any body the API accepts; a deeper document is left to the ValidationPipe. */
const MAX_DEPTH = 32;

/**
 * Text PostgreSQL cannot store as sent is refused (an unpaired surrogate would be stored as U+FFFD).
 * PostgreSQL text cannot hold U+0000 (`invalid byte sequence for encoding "UTF8": 0x00`), so a NUL in
 * any string of a body, query string or path parameter is refused here as a 400 naming where it is,
 * before it can reach SQL — whichever route and field it arrives in.
 */
export class RejectNulPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const errors: FieldError[] = [];
    collectNul(value, metadata.data ?? '', errors, 0);
    if (errors.length > 0) throw new ValidationProblem(errors);
    return value;
  }
}

function collectNul(value: unknown, path: string, errors: FieldError[], depth: number): void {
  if (typeof value === 'string') {
    if (value.includes(NUL)) {
      errors.push({ field: path || 'value', message: 'must not contain the NUL character (U+0000)' });
    } else if (LONE_SURROGATE.test(value)) {
      errors.push({ field: path || 'value', message: 'must be valid Unicode text (it has an unpaired surrogate)' });
    }
    return;
  }
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => collectNul(item, `${path}[${i}]`, errors, depth + 1));
    return;
  }
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    if (key.includes(NUL))
      errors.push({
        field: field.replaceAll(NUL, '\\u0000'),
        message: 'a field name must not contain the NUL character (U+0000)',
      });
    collectNul(item, field, errors, depth + 1);
  }
}

/**
 * `?limit=1&limit=2` arrives as a list; a query field that takes one value names the repetition instead
 * of failing every rule of a number at once.
 */
export class RepeatedQueryPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'query' || value === null || typeof value !== 'object' || !metadata.metatype) return value;
    const prototype = (metadata.metatype as { prototype?: object }).prototype;
    if (!prototype) return value;
    const errors: FieldError[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (!Array.isArray(item)) continue;
      const declared: unknown = Reflect.getMetadata('design:type', prototype, key);
      if (declared !== undefined && declared !== Array) {
        errors.push({ field: key, message: `is given ${item.length} times; give it once` });
      }
    }
    if (errors.length > 0) throw new ValidationProblem(errors);
    return value;
  }
}
