// The migration to values as versions, on a database written the old way (valuations overwrote the roll in
// place): every value is kept, the newest valuation of each year stays current, and down restores the old shape.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, MIGRATIONS } from '../../src/database/data-source-options.js';
import { createTestDatabase } from '../support/test-app.js';

const JOB_OLD = '00000000-0000-4000-8000-000000000001'; // fully overwritten by JOB_NEW: nothing left of it
const JOB_NEW = '00000000-0000-4000-8000-000000000002'; // whole county, 2025
const JOB_PART = '00000000-0000-4000-8000-000000000003'; // one neighborhood, 2025, later than JOB_NEW
const JOB_NORUN = '00000000-0000-4000-8000-000000000004'; // 2024 values written before runs were recorded

describe('migration ValuationVersions1765000000000', () => {
  let url: string;
  let before: DataSource;
  let after: DataSource;

  const options = (migrations: typeof MIGRATIONS) => ({
    ...buildDataSourceOptions({ url, poolMax: 2, connectTimeoutMs: 5000, statementTimeoutMs: 0 }),
    migrations,
  });

  beforeAll(async () => {
    url = await createTestDatabase('tf_migr');
    before = new DataSource(options(MIGRATIONS.slice(0, -1)));
    await before.initialize();
    await before.runMigrations();
    const q = (sql: string, params: unknown[] = []) => before.query(sql, params);
    await q(`INSERT INTO counties (id, name) VALUES ('c', 'County')`);
    for (const [id, nb] of [
      ['P1', 'A'],
      ['P2', 'A'],
      ['P3', 'B'],
    ]) {
      await q(
        `INSERT INTO parcels (county_id, parcel_id, neighborhood, property_class, land_sqft)
               VALUES ('c', $1, $2, 'residential', 5000)`,
        [id, nb],
      );
    }
    // 2025: P1, P2 by JOB_PART (neighborhood A), P3 by JOB_NEW; 2024: P1 certified, P2 by JOB_NORUN.
    const row = (parcel: string, year: number, total: number, source: string, job: string | null) =>
      q(
        `INSERT INTO assessments (county_id, parcel_id, tax_year, land_value, improvement_value, total_value, source,
                                  job_id)
         VALUES ('c', $1, $2, $3, $4, $5, $6, $7)`,
        [parcel, year, total / 4, (total * 3) / 4, total, source, job],
      );
    await row('P1', 2025, 1000, 'valuation', JOB_PART);
    await row('P2', 2025, 2000, 'valuation', JOB_PART);
    await row('P3', 2025, 3000, 'valuation', JOB_NEW);
    await row('P1', 2024, 400, 'import', null);
    await row('P2', 2024, 800, 'valuation', JOB_NORUN);
    const run = (job: string, written: string, superseded: string | null, neighborhoods: string | null) =>
      q(
        `INSERT INTO valuation_runs (job_id, county_id, tax_year, method, neighborhoods, parcel_count, written_at,
                                     superseded_at)
         VALUES ($1, 'c', 2025, 'regression', $2, 3, $3, $4)`,
        [job, neighborhoods, written, superseded],
      );
    await run(JOB_OLD, '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z', null);
    await run(JOB_NEW, '2025-02-01T00:00:00Z', null, null);
    await run(JOB_PART, '2025-03-01T00:00:00Z', null, '["A"]');
    await before.destroy();

    after = new DataSource(options(MIGRATIONS));
    await after.initialize();
    expect((await after.runMigrations()).map((m) => m.name)).toEqual(['ValuationVersions1765000000000']);
  }, 60_000);

  afterAll(async () => {
    if (after?.isInitialized) await after.destroy();
  });

  it('keeps only the certified roll in assessments', async () => {
    expect(await after.query(`SELECT parcel_id, tax_year, total_value::float8 AS total FROM assessments`)).toEqual([
      { parcel_id: 'P1', tax_year: 2024, total: 400 },
    ]);
  });

  it("moves every valuation's values into its own version, giving a run to values that had none", async () => {
    expect(
      await after.query(
        `SELECT job_id, parcel_id, land_value::float8 AS land, total_value::float8 AS total
           FROM valuation_values ORDER BY job_id, parcel_id`,
      ),
    ).toEqual([
      { job_id: JOB_NEW, parcel_id: 'P3', land: 750, total: 3000 },
      { job_id: JOB_PART, parcel_id: 'P1', land: 250, total: 1000 },
      { job_id: JOB_PART, parcel_id: 'P2', land: 500, total: 2000 },
      // The adopted version completed with the other run's values: P3's current value stays 3,000.
      { job_id: JOB_PART, parcel_id: 'P3', land: 750, total: 3000 },
      { job_id: JOB_NORUN, parcel_id: 'P2', land: 200, total: 800 },
    ]);
    expect(
      await after.query(
        `SELECT job_id, tax_year, parcel_count, adopted_at IS NOT NULL AS adopted, adopted_by
           FROM valuation_runs ORDER BY job_id`,
      ),
    ).toEqual([
      { job_id: JOB_NEW, tax_year: 2025, parcel_count: 1, adopted: false, adopted_by: null },
      { job_id: JOB_PART, tax_year: 2025, parcel_count: 3, adopted: true, adopted_by: 'migration' },
      { job_id: JOB_NORUN, tax_year: 2024, parcel_count: 1, adopted: true, adopted_by: 'migration' },
    ]);
  });

  it('allows one adopted version per county and year', async () => {
    await expect(
      after.query(`UPDATE valuation_runs SET adopted_at = now() WHERE job_id = $1`, [JOB_NEW]),
    ).rejects.toThrow(/ux_valuation_runs_adopted/);
  });

  it('goes back down to values in the roll', async () => {
    await after.undoLastMigration();
    expect(
      await after.query(
        `SELECT parcel_id, tax_year, total_value::float8 AS total, source, job_id FROM assessments
          ORDER BY tax_year, parcel_id`,
      ),
    ).toEqual([
      { parcel_id: 'P1', tax_year: 2024, total: 400, source: 'import', job_id: null },
      { parcel_id: 'P2', tax_year: 2024, total: 800, source: 'valuation', job_id: JOB_NORUN },
      { parcel_id: 'P1', tax_year: 2025, total: 1000, source: 'valuation', job_id: JOB_PART },
      { parcel_id: 'P2', tax_year: 2025, total: 2000, source: 'valuation', job_id: JOB_PART },
      { parcel_id: 'P3', tax_year: 2025, total: 3000, source: 'valuation', job_id: JOB_PART },
    ]);
    await after.runMigrations();
  });
});
