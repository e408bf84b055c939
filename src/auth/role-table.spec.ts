import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_PERMISSIONS, DEFAULT_ROLE_PERMISSIONS, Permission } from './permissions.js';
import { loadRoleTable, parseRoleTable, permissionsForRoles } from './role-table.js';

const sorted = (s: Iterable<string>) => [...s].sort();

describe('role table', () => {
  it("is the table the README's authentication section shows", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const lines = readme.split('\n').map((l) => l.trim());
    const header = lines.findIndex((l) => l.startsWith('| Permission | admin |'));
    expect(header).toBeGreaterThan(0);
    const roles = lines[header]
      .split('|')
      .slice(2, -1)
      .map((c) => c.trim());
    expect(roles).toEqual(Object.keys(DEFAULT_ROLE_PERMISSIONS));
    const rows = new Map<string, string[]>();
    for (const line of lines.slice(header + 2)) {
      if (!line.startsWith('| `')) break;
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      rows.set(
        cells[0].replaceAll('`', ''),
        roles.filter((_, i) => cells[i + 1] === '✓'),
      );
    }
    expect([...rows.keys()]).toEqual([...ALL_PERMISSIONS]);
    for (const p of ALL_PERMISSIONS) {
      expect({ p, roles: rows.get(p) }).toEqual({
        p,
        roles: roles.filter((r) => DEFAULT_ROLE_PERMISSIONS[r].includes(p)),
      });
    }
  });

  it('maps the five roles to their permissions', () => {
    const t = DEFAULT_ROLE_PERMISSIONS;
    expect(sorted(permissionsForRoles(t, ['admin']))).toEqual(sorted(ALL_PERMISSIONS));
    expect(sorted(permissionsForRoles(t, ['assessor']))).toEqual(
      sorted([
        ...['valuation', 'reporting', 'market_analysis', 'gis_export'].flatMap((m) => [
          `${m}:execute`,
          `${m}:view_status`,
          `${m}:view_results`,
        ]),
        'valuation:adopt',
        'data:read',
        'data:import',
      ]),
    );
    const analyst = permissionsForRoles(t, ['analyst']);
    expect(analyst.has(Permission.ReportingExecute)).toBe(true);
    expect(analyst.has(Permission.MarketAnalysisExecute)).toBe(true);
    expect(analyst.has(Permission.GisExportExecute)).toBe(true);
    expect(analyst.has(Permission.ValuationViewResults)).toBe(true);
    expect(analyst.has(Permission.ValuationExecute)).toBe(false);
    expect(analyst.has(Permission.ValuationAdopt)).toBe(false);
    expect(analyst.has(Permission.DataImport)).toBe(false);
    const viewer = permissionsForRoles(t, ['viewer']);
    expect(sorted(viewer)).toEqual(
      sorted([
        ...['valuation', 'reporting', 'market_analysis', 'gis_export'].flatMap((m) => [
          `${m}:view_status`,
          `${m}:view_results`,
        ]),
        'data:read',
      ]),
    );
    expect(sorted(permissionsForRoles(t, ['monitoring']))).toEqual(['health:details', 'metrics:read']);
  });

  it('grants nothing for an unknown role, nor for inherited object keys', () => {
    expect(permissionsForRoles(DEFAULT_ROLE_PERMISSIONS, ['superuser']).size).toBe(0);
    expect(permissionsForRoles(DEFAULT_ROLE_PERMISSIONS, ['constructor', '__proto__', 'toString']).size).toBe(0);
  });

  it('unions several roles', () => {
    const p = permissionsForRoles(DEFAULT_ROLE_PERMISSIONS, ['viewer', 'monitoring', 'nobody']);
    expect(p.has(Permission.DataRead)).toBe(true);
    expect(p.has(Permission.MetricsRead)).toBe(true);
    expect(p.has(Permission.DataImport)).toBe(false);
  });

  it('validates a replacement table and names every problem', () => {
    expect(parseRoleTable({ clerk: ['data:read'] })).toEqual({ clerk: ['data:read'] });
    expect(() => parseRoleTable([])).toThrow('must be a JSON object');
    expect(() => parseRoleTable({ clerk: 'data:read' })).toThrow(
      'role "clerk" must map to an array of permission names',
    );
    expect(() => parseRoleTable({ clerk: ['data:read', 'data:delete'], boss: ['root'] })).toThrow(
      'role "clerk" names unknown permission(s) data:delete; role "boss" names unknown permission(s) root',
    );
  });

  it('loads ROLE_PERMISSIONS_FILE, which replaces the default table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roles-'));
    const file = join(dir, 'roles.json');
    writeFileSync(file, JSON.stringify({ clerk: ['data:read', 'data:import'] }));
    const table = loadRoleTable(file);
    expect(sorted(permissionsForRoles(table, ['clerk']))).toEqual(['data:import', 'data:read']);
    expect(permissionsForRoles(table, ['admin']).size).toBe(0);
    writeFileSync(file, '{ not json');
    expect(() => loadRoleTable(file)).toThrow('is not valid JSON');
    expect(() => loadRoleTable(join(dir, 'missing.json'))).toThrow('cannot be read (ENOENT)');
    expect(loadRoleTable(undefined)).toBe(DEFAULT_ROLE_PERMISSIONS);
  });
});
