// What each route declares: public, the permissions it requires, or nothing (closed by default).
import { RequestMethod, type Type } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { Reflector } from '@nestjs/core';
import { PERMISSIONS_KEY, PUBLIC_KEY } from './auth.decorators.js';
import type { Permission } from './permissions.js';

export type RouteAccess =
  { kind: 'public' } | { kind: 'permissions'; permissions: Permission[] } | { kind: 'undeclared'; why: string };

/**
 * A handler's own declaration wins over its controller's; controller-level permissions also apply to
 * handlers that add their own (all-of). Public and permissions on the same level is a contradiction
 * and is treated as undeclared, i.e. closed.
 */
export function resolveRouteAccess(reflector: Reflector, handler: object, controller: Type | object): RouteAccess {
  const handlerPublic = reflector.get<boolean | undefined>(PUBLIC_KEY, handler as never) === true;
  const handlerPerms = reflector.get<Permission[] | undefined>(PERMISSIONS_KEY, handler as never);
  const classPublic = reflector.get<boolean | undefined>(PUBLIC_KEY, controller as never) === true;
  const classPerms = reflector.get<Permission[] | undefined>(PERMISSIONS_KEY, controller as never);
  if (handlerPublic && handlerPerms) return { kind: 'undeclared', why: 'both @Public() and @RequirePermissions()' };
  if (handlerPublic) return { kind: 'public' };
  if (handlerPerms) {
    const all = [...new Set([...(classPerms ?? []), ...handlerPerms])];
    if (all.length === 0) return { kind: 'undeclared', why: '@RequirePermissions() with no permission' };
    return { kind: 'permissions', permissions: all };
  }
  if (classPublic && classPerms) return { kind: 'undeclared', why: 'both @Public() and @RequirePermissions()' };
  if (classPublic) return { kind: 'public' };
  if (classPerms && classPerms.length > 0) return { kind: 'permissions', permissions: [...classPerms] };
  return { kind: 'undeclared', why: 'neither @RequirePermissions() nor @Public()' };
}

/**
 * resolveRouteAccess once per controller + handler: both are fixed for the life of the app. Keyed on both
 * because an inherited handler is the same function under different controllers.
 */
export class RouteAccessCache {
  private readonly byController = new WeakMap<object, Map<object, RouteAccess>>();

  constructor(private readonly reflector: Reflector) {}

  of(handler: object, controller: object): RouteAccess {
    let byHandler = this.byController.get(controller);
    if (!byHandler) {
      byHandler = new Map();
      this.byController.set(controller, byHandler);
    }
    let access = byHandler.get(handler);
    if (!access) {
      access = resolveRouteAccess(this.reflector, handler, controller);
      byHandler.set(handler, access);
    }
    return access;
  }
}

export function describeAccess(access: RouteAccess): string {
  if (access.kind === 'public') return 'public';
  if (access.kind === 'permissions') return access.permissions.join(' + ');
  return `UNDECLARED (${access.why})`;
}

export interface RouteEntry {
  method: string;
  path: string;
  controller: string;
  handler: string;
  access: RouteAccess;
  /** Route guards besides the global one (@UseGuards on the controller or handler). */
  guards: string[];
}

function guardNames(target: object): string[] {
  const guards = (Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? [];
  return guards.map((g) => (typeof g === 'function' ? g.name : ((g as object)?.constructor?.name ?? 'guard')));
}

/** The listing form: `data:read`, `public`, with route guards in brackets. */
export function describeRoute(route: Pick<RouteEntry, 'access' | 'guards'>): string {
  const access = describeAccess(route.access);
  return route.guards.length > 0 ? `${access} [${route.guards.join(', ')}]` : access;
}

interface ControllerLike {
  metatype: object | null;
  instance: unknown;
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return '/' + joined;
}

/** Every route of the given controllers with its access declaration (for the startup check and the route walk). */
export function listRoutes(controllers: ControllerLike[], reflector: Reflector, globalPrefix = ''): RouteEntry[] {
  const entries: RouteEntry[] = [];
  for (const wrapper of controllers) {
    const metatype = wrapper.metatype as Type | undefined;
    if (!metatype || !wrapper.instance) continue;
    const rawBase = Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined;
    const bases = Array.isArray(rawBase) ? rawBase : [rawBase ?? ''];
    const prototype = metatype.prototype as Record<string, unknown>;
    const names = new Set<string>();
    for (let p: object | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
      for (const name of Object.getOwnPropertyNames(p)) if (name !== 'constructor') names.add(name);
    }
    for (const name of names) {
      const handler = prototype[name];
      if (typeof handler !== 'function') continue;
      const rawPath = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (rawPath === undefined || method === undefined) continue;
      const paths = Array.isArray(rawPath) ? rawPath : [rawPath];
      const access = resolveRouteAccess(reflector, handler, metatype);
      const guards = [...guardNames(metatype), ...guardNames(handler)];
      for (const base of bases) {
        for (const path of paths) {
          entries.push({
            method: RequestMethod[method],
            path: joinPath(globalPrefix, base, path),
            controller: metatype.name,
            handler: name,
            access,
            guards,
          });
        }
      }
    }
  }
  return entries.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
