// The role → permissions table: the default of permissions.ts, or a JSON file named by ROLE_PERMISSIONS_FILE.
import { readFileSync } from 'node:fs';
import { ALL_PERMISSIONS, DEFAULT_ROLE_PERMISSIONS, type Permission } from './permissions.js';

export type RoleTable = Readonly<Record<string, readonly Permission[]>>;

const KNOWN = new Set<string>(ALL_PERMISSIONS);
const ROLE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Validates a role table document: `{ "role": ["permission", ...], ... }`. Unknown permission
 * names are an error (a typo would otherwise silently grant nothing, or the wrong thing).
 */
export function parseRoleTable(document: unknown): RoleTable {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new Error('must be a JSON object mapping role names to arrays of permissions');
  }
  const table: Record<string, Permission[]> = Object.create(null) as Record<string, Permission[]>;
  const problems: string[] = [];
  for (const [role, permissions] of Object.entries(document)) {
    if (!ROLE_NAME.test(role)) {
      problems.push(`role name "${role.slice(0, 40)}" must be 1-64 characters of letters, digits, _ . : -`);
      continue;
    }
    if (!Array.isArray(permissions) || permissions.some((p) => typeof p !== 'string')) {
      problems.push(`role "${role}" must map to an array of permission names`);
      continue;
    }
    const unknown = (permissions as string[]).filter((p) => !KNOWN.has(p));
    if (unknown.length > 0) {
      problems.push(`role "${role}" names unknown permission(s) ${unknown.join(', ')}`);
      continue;
    }
    table[role] = [...new Set(permissions as Permission[])];
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return Object.freeze(table);
}

export function loadRoleTable(path: string | undefined): RoleTable {
  if (path === undefined) return DEFAULT_ROLE_PERMISSIONS;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error('is not valid JSON', { cause: error });
  }
  return parseRoleTable(document);
}

/** Permissions granted by a list of roles; an unknown role grants nothing. */
export function permissionsForRoles(table: RoleTable, roles: readonly string[]): Set<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles) {
    if (!Object.prototype.hasOwnProperty.call(table, role)) continue;
    for (const permission of table[role]) granted.add(permission);
  }
  return granted;
}
