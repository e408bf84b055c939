// The one auth declaration every route carries: @RequirePermissions(...) (all-of) or @Public().
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Permission } from './permissions.js';

export const PERMISSIONS_KEY = 'tf:permissions';
export const PUBLIC_KEY = 'tf:public';

export function RequirePermissions(...permissions: Permission[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(PERMISSIONS_KEY, permissions),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ description: 'Missing, malformed, expired or otherwise invalid token.' }),
    ApiForbiddenResponse({
      description: `Requires permission${permissions.length > 1 ? 's' : ''}: ${permissions.join(', ')}`,
    }),
  );
}

export function Public(): MethodDecorator & ClassDecorator {
  return SetMetadata(PUBLIC_KEY, true);
}
