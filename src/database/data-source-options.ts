// TypeORM options shared by the app and the migration CLI (ormconfig.ts).
import type { DataSourceOptions } from 'typeorm';
import { Assessment } from '../counties/assessment.entity.js';
import { County } from '../counties/county.entity.js';
import { Parcel } from '../counties/parcel.entity.js';
import { Sale } from '../counties/sale.entity.js';
import { ValuationRun, ValuationValue } from '../counties/valuation-version.entity.js';
import { Job } from '../jobs/job.entity.js';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema.js';
import { Jobs1764100000000 } from './migrations/1764100000000-jobs.js';
import { ValuationRuns1764600000000 } from './migrations/1764600000000-valuation-runs.js';
import { GisExportArtifacts1764750000000 } from './migrations/1764750000000-gis-export-artifacts.js';
import { GisExportArtifactEncoding1764760000000 } from './migrations/1764760000000-gis-export-artifact-encoding.js';
import { ValuationVersions1765000000000 } from './migrations/1765000000000-valuation-versions.js';

/** Every entity of the service; feature modules add theirs here. */
export const ENTITIES = [County, Parcel, Sale, Assessment, ValuationRun, ValuationValue, Job];
/** Migrations in order; `npm run migration:generate` writes new files that are added here. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  Jobs1764100000000,
  ValuationRuns1764600000000,
  GisExportArtifacts1764750000000,
  GisExportArtifactEncoding1764760000000,
  ValuationVersions1765000000000,
];

export interface ConnectionSettings {
  url: string;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName?: string;
}

export function buildDataSourceOptions(s: ConnectionSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: s.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: s.applicationName ?? 'terrafusion-api',
    extra: {
      max: s.poolMax,
      connectionTimeoutMillis: s.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      // A dead TCP peer (database host gone) is noticed by keepalive rather than hanging forever.
      keepAlive: true,
      ...(s.statementTimeoutMs > 0 ? { statement_timeout: s.statementTimeoutMs } : {}),
    },
  };
}
