// OpenAPI shape of the problem+json error body (written by ProblemFilter), for the error responses of every module.
import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'property_class' })
  field: string;

  @ApiProperty({ example: 'must be one of residential, commercial, industrial, agricultural, vacant' })
  message: string;
}

export class ProblemDto {
  @ApiProperty({ example: 'https://terrafusion.dev/problems/validation-failed' })
  type: string;

  @ApiProperty({ example: 'Validation failed' })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ example: 'The request has invalid fields; see errors.' })
  detail: string;

  @ApiProperty({ example: '5f0c8a9e-8c7e-4bde-9d2b-3c1f5a8a9e11' })
  request_id: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}

/** Documents an error response as problem+json. */
export function ApiProblem(status: number, description: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ApiResponse({
      status,
      description,
      content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
    }),
  );
}
