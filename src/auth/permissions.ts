// Permission names and the default role table. Code never branches on a role name.
export const Permission = {
  ValuationExecute: 'valuation:execute',
  ValuationViewStatus: 'valuation:view_status',
  ValuationViewResults: 'valuation:view_results',
  ValuationAdopt: 'valuation:adopt',
  ReportingExecute: 'reporting:execute',
  ReportingViewStatus: 'reporting:view_status',
  ReportingViewResults: 'reporting:view_results',
  MarketAnalysisExecute: 'market_analysis:execute',
  MarketAnalysisViewStatus: 'market_analysis:view_status',
  MarketAnalysisViewResults: 'market_analysis:view_results',
  GisExportExecute: 'gis_export:execute',
  GisExportViewStatus: 'gis_export:view_status',
  GisExportViewResults: 'gis_export:view_results',
  DataRead: 'data:read',
  DataImport: 'data:import',
  HealthDetails: 'health:details',
  MetricsRead: 'metrics:read',
} as const;

export type Permission = (typeof Permission)[keyof typeof Permission];

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(Permission);

const MODULES = ['valuation', 'reporting', 'market_analysis', 'gis_export'] as const;
const moduleAll = (m: string) => [`${m}:execute`, `${m}:view_status`, `${m}:view_results`] as Permission[];
const moduleView = (m: string) => [`${m}:view_status`, `${m}:view_results`] as Permission[];

/** Default role → permissions table; ROLE_PERMISSIONS_FILE can replace it. */
export const DEFAULT_ROLE_PERMISSIONS: Record<string, readonly Permission[]> = {
  admin: ALL_PERMISSIONS,
  assessor: [...MODULES.flatMap(moduleAll), Permission.ValuationAdopt, Permission.DataRead, Permission.DataImport],
  analyst: [
    ...moduleAll('reporting'),
    ...moduleAll('market_analysis'),
    ...moduleAll('gis_export'),
    ...moduleView('valuation'),
    Permission.DataRead,
  ],
  viewer: [...MODULES.flatMap(moduleView), Permission.DataRead],
  monitoring: [Permission.HealthDetails, Permission.MetricsRead],
};
