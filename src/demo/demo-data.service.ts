// Loads a synthetic county (src/demo/generator.ts) into the database, replacing that county's data atomically.
import { COUNTY_ID_PATTERN, COUNTY_ID_RULE } from '../common/county-id.js';
import { copyLine } from '../database/copy-text.js';
import { withDemoRepository, type DemoDataRepository, type DemoTarget } from './demo-data.repository.js';
import { DemoCounty } from './generator.js';

export type DemoPhase = 'parcels' | 'sales' | 'assessments' | 'analyze';

export interface DemoProgress {
  phase: DemoPhase;
  /** Parcels processed in this phase. */
  done: number;
  total: number;
}

export interface LoadDemoOptions {
  countyId: string;
  parcels: number;
  seed: number;
  /** Display name of the county; defaults to "Demo County" for `demo`. */
  name?: string;
  onProgress?: (progress: DemoProgress) => void;
}

export interface DemoLoadResult {
  countyId: string;
  seed: number;
  parcels: number;
  sales: number;
  assessments: number;
  durationMs: number;
}

const PROGRESS_EVERY = 1000;

/** Replaces the county's parcels, sales and roll with a freshly generated demo county, in one transaction. */
export async function loadDemoCounty(target: DemoTarget, options: LoadDemoOptions): Promise<DemoLoadResult> {
  checkOptions(options);
  return withDemoRepository(target, (repository) =>
    inTransaction(repository, async () => {
      await repository.lockDemoLoading();
      return writeCounty(repository, options);
    }),
  );
}

/**
 * Loads the demo county only when the database has no county at all. Replicas starting together queue on an
 * advisory lock; the first loads, the others then see its county and do nothing. Returns null when skipped.
 */
export async function loadDemoCountyIfEmpty(
  target: DemoTarget,
  options: LoadDemoOptions,
): Promise<DemoLoadResult | null> {
  checkOptions(options);
  return withDemoRepository(target, (repository) =>
    inTransaction(repository, async () => {
      await repository.lockDemoLoading();
      if ((await repository.countCounties()) > 0) return null;
      return writeCounty(repository, options);
    }),
  );
}

function checkOptions(options: LoadDemoOptions): void {
  if (!COUNTY_ID_PATTERN.test(options.countyId)) {
    throw new RangeError(`county id "${options.countyId}" ${COUNTY_ID_RULE}`);
  }
  if (!Number.isInteger(options.parcels) || options.parcels < 1) {
    throw new RangeError(`parcels must be a whole number ≥ 1 (got ${options.parcels})`);
  }
  if (!Number.isInteger(options.seed) || options.seed < 0) {
    throw new RangeError(`seed must be a whole number ≥ 0 (got ${options.seed})`);
  }
}

async function inTransaction<T>(repository: DemoDataRepository, work: () => Promise<T>): Promise<T> {
  await repository.begin();
  try {
    const result = await work();
    await repository.commit();
    return result;
  } catch (error) {
    await repository.rollback().catch(() => undefined);
    throw error;
  }
}

async function writeCounty(repository: DemoDataRepository, options: LoadDemoOptions): Promise<DemoLoadResult> {
  const started = performance.now();
  const county = new DemoCounty({ parcels: options.parcels, seed: options.seed });
  const id = options.countyId;
  const total = options.parcels;
  const report = (phase: DemoPhase, done: number) => options.onProgress?.({ phase, done, total });
  const name = options.name ?? (id === 'demo' ? 'Demo County' : `Synthetic county ${id}`);

  await repository.upsertCounty(id, name, 'IN');
  await repository.deleteCountyData(id);

  let parcels = 0;
  await repository.copyLines(
    'parcels',
    tracked(county.parcels(), 'parcels', report, (p) => {
      parcels += 1;
      return copyLine([
        id,
        p.parcelId,
        p.neighborhood,
        p.propertyClass,
        p.landSqft,
        p.buildingSqft,
        p.yearBuilt,
        p.quality,
        p.condition,
        p.bedrooms,
        p.bathrooms,
        p.situsAddress,
        JSON.stringify(p.geometry),
        p.lon,
        p.lat,
      ]);
    }),
  );

  let sales = 0;
  await repository.copyLines(
    'sales',
    tracked(county.salesByParcel(), 'sales', report, (list) => {
      sales += list.length;
      let lines = '';
      for (const s of list) {
        lines += copyLine([id, s.parcelId, s.saleDate, s.salePrice, s.isValid, s.validityCode, s.deedType]);
      }
      return lines;
    }),
  );

  let assessments = 0;
  await repository.copyLines(
    'assessments',
    tracked(county.assessmentsByParcel(), 'assessments', report, (list) => {
      assessments += list.length;
      let lines = '';
      for (const a of list) {
        lines += copyLine([id, a.parcelId, a.taxYear, a.landValue, a.improvementValue, a.totalValue]);
      }
      return lines;
    }),
  );

  report('analyze', 0);
  await repository.analyze();
  report('analyze', total);
  return {
    countyId: id,
    seed: options.seed,
    parcels,
    sales,
    assessments,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Maps one parcel's items to COPY lines, reporting progress every PROGRESS_EVERY parcels. */
function* tracked<T>(
  items: Iterable<T>,
  phase: DemoPhase,
  report: (phase: DemoPhase, done: number) => void,
  toLines: (item: T) => string,
): Generator<string> {
  let done = 0;
  report(phase, 0);
  for (const item of items) {
    const lines = toLines(item);
    if (lines !== '') yield lines;
    done += 1;
    if (done % PROGRESS_EVERY === 0) report(phase, done);
  }
  report(phase, done);
}
