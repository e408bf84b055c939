// The one auth declaration every route carries: @RequirePermissions(...) (all-of) or @Public().
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiProblem } from '../common/dto/problem.dto.js';
import type { Permission } from './permissions.js';

export const PERMISSIONS_KEY = 'tf:permissions';
export const PUBLIC_KEY = 'tf:public';

export function RequirePermissions(...permissions: Permission[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(PERMISSIONS_KEY, permissions),
    ApiBearerAuth('bearer'),
    ApiProblem(401, 'Missing, malformed, expired or otherwise invalid token.'),
    ApiProblem(403, `Requires permission${permissions.length > 1 ? 's' : ''}: ${permissions.join(', ')}`),
  );
}

export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(PUBLIC_KEY, true);
}
