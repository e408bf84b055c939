// The global ValidationPipe: whitelist, reject unknown fields, transform, and answer problem+json field errors;
// and the validators of rules every module's DTOs share.
import { applyDecorators, ValidationPipe, type ValidationError } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, type ValidationOptions } from 'class-validator';
import { COUNTY_ID_MESSAGE, COUNTY_ID_PATTERN } from './county-id.js';
import { ValidationProblem, type FieldError } from './problem.js';

/** A county id (COUNTY_ID_PATTERN), wherever a request carries one: path, query or body. */
export function IsCountyId(options?: ValidationOptions): PropertyDecorator {
  return Matches(COUNTY_ID_PATTERN, { message: COUNTY_ID_MESSAGE, ...options });
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field, message: message.replace(/^property (\S+) should not exist$/, 'is not an allowed field') });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
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
