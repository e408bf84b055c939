import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Values as versions. `assessments` holds only the certified roll (what was imported); each valuation job's
 * values are a version of their own in `valuation_values`, kept until deleted; at most one version per county
 * and tax year is adopted (`valuation_runs.adopted_at`) and makes the county's current values of that year.
 *
 * Existing data moves without loss: the rows a valuation had written into `assessments` become that job's
 * version, and the newest such job of each county and year is adopted. Where several jobs had written parts of
 * a year (neighborhood runs), the adopted version also gets a copy of the others' values for the parcels it
 * lacks, so every parcel's current value stays what it was. Runs whose values a later run had already
 * overwritten have nothing left to keep and are removed.
 */
export class ValuationVersions1765000000000 implements MigrationInterface {
  name = 'ValuationVersions1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE valuation_runs ADD COLUMN adopted_at timestamptz, ADD COLUMN adopted_by text`);
    await q.query(`
      CREATE TABLE valuation_values (
        job_id uuid NOT NULL REFERENCES valuation_runs(job_id) ON DELETE CASCADE,
        parcel_id text NOT NULL,
        land_value numeric(14,2) NOT NULL CHECK (land_value >= 0),
        improvement_value numeric(14,2) NOT NULL CHECK (improvement_value >= 0),
        total_value numeric(14,2) NOT NULL CHECK (total_value >= 0),
        PRIMARY KEY (job_id, parcel_id)
      )`);

    // Values written before runs were recorded: give their job a run row (county, year, method from the job).
    await q.query(`
      INSERT INTO valuation_runs (job_id, county_id, tax_year, method, parcel_count, written_at)
      SELECT a.job_id, a.county_id, a.tax_year,
             CASE WHEN j.parameters->>'method' = 'cost' THEN 'cost' ELSE 'regression' END,
             count(*), max(a.updated_at)
        FROM assessments a LEFT JOIN jobs j ON j.id = a.job_id
       WHERE a.source = 'valuation' AND a.job_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM valuation_runs r WHERE r.job_id = a.job_id)
       GROUP BY a.job_id, a.county_id, a.tax_year, j.parameters->>'method'`);
    await q.query(`
      INSERT INTO valuation_values (job_id, parcel_id, land_value, improvement_value, total_value)
      SELECT job_id, parcel_id, land_value, improvement_value, total_value
        FROM assessments WHERE source = 'valuation' AND job_id IS NOT NULL`);
    await q.query(
      `DELETE FROM valuation_runs r WHERE NOT EXISTS (SELECT 1 FROM valuation_values v WHERE v.job_id = r.job_id)`,
    );
    await q.query(`
      UPDATE valuation_runs r SET parcel_count = c.n
        FROM (SELECT job_id, count(*)::int AS n FROM valuation_values GROUP BY job_id) c
       WHERE c.job_id = r.job_id`);
    await q.query(`
      UPDATE valuation_runs r SET adopted_at = r.written_at, adopted_by = 'migration'
       WHERE r.job_id IN (SELECT DISTINCT ON (county_id, tax_year) job_id FROM valuation_runs
                           ORDER BY county_id, tax_year, written_at DESC, job_id)`);
    await q.query(`
      INSERT INTO valuation_values (job_id, parcel_id, land_value, improvement_value, total_value)
      SELECT adopted.job_id, v.parcel_id, v.land_value, v.improvement_value, v.total_value
        FROM valuation_values v
        JOIN valuation_runs r ON r.job_id = v.job_id
        JOIN valuation_runs adopted ON adopted.county_id = r.county_id AND adopted.tax_year = r.tax_year
                                   AND adopted.adopted_at IS NOT NULL AND adopted.job_id <> r.job_id
      ON CONFLICT (job_id, parcel_id) DO NOTHING`);
    await q.query(`
      UPDATE valuation_runs r SET parcel_count = c.n
        FROM (SELECT job_id, count(*)::int AS n FROM valuation_values GROUP BY job_id) c
       WHERE c.job_id = r.job_id AND r.adopted_at IS NOT NULL`);
    // Valuation rows without a job id cannot be attributed: they stay in the roll as they are.
    await q.query(`DELETE FROM assessments WHERE source = 'valuation' AND job_id IS NOT NULL`);

    await q.query(`ALTER TABLE valuation_runs DROP COLUMN superseded_at`);
    await q.query(
      `CREATE UNIQUE INDEX ux_valuation_runs_adopted ON valuation_runs (county_id, tax_year) WHERE adopted_at IS NOT NULL`,
    );
    await q.query(`ALTER TABLE assessments DROP COLUMN source, DROP COLUMN job_id`);
    // The roll is no longer rewritten in place: pages can be filled again.
    await q.query(`ALTER TABLE assessments RESET (fillfactor)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE assessments SET (fillfactor = 50)`);
    await q.query(`ALTER TABLE assessments ADD COLUMN source text NOT NULL DEFAULT 'import', ADD COLUMN job_id uuid`);
    // The adopted version of each year goes back into the roll, over the certified values it had kept apart.
    await q.query(`
      INSERT INTO assessments (county_id, parcel_id, tax_year, land_value, improvement_value, total_value, source,
                               job_id, updated_at)
      SELECT r.county_id, v.parcel_id, r.tax_year, v.land_value, v.improvement_value, v.total_value, 'valuation',
             r.job_id, r.written_at
        FROM valuation_values v JOIN valuation_runs r ON r.job_id = v.job_id
        JOIN parcels p ON p.county_id = r.county_id AND p.parcel_id = v.parcel_id
       WHERE r.adopted_at IS NOT NULL
      ON CONFLICT (county_id, parcel_id, tax_year) DO UPDATE SET land_value = EXCLUDED.land_value,
        improvement_value = EXCLUDED.improvement_value, total_value = EXCLUDED.total_value,
        source = EXCLUDED.source, job_id = EXCLUDED.job_id, updated_at = EXCLUDED.updated_at`);
    await q.query(`DROP INDEX ux_valuation_runs_adopted`);
    await q.query(`ALTER TABLE valuation_runs ADD COLUMN superseded_at timestamptz`);
    await q.query(`UPDATE valuation_runs SET superseded_at = now() WHERE adopted_at IS NULL`);
    await q.query(`DROP TABLE valuation_values`);
    await q.query(`ALTER TABLE valuation_runs DROP COLUMN adopted_at, DROP COLUMN adopted_by`);
  }
}
