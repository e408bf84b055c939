// Sales chasing on constructed data, through the job routes: a synthetic county (the demo generator's parcels, sales
// and certified rolls of 2024 and 2025), the 2025 certified roll as the honest one, and a chased version of it (a
// valuation version written to the database) in which every tenth parcel that sold in 2024 is valued at its sale
// price. One ratio study compares both against the 2024 certified roll (prior_values): the chased roll must be
// flagged by all three methods, the honest one by none. The figures are in the README ("Sales chasing").
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import type { RatioStratum } from '../../src/reporting/ratio-study/ratio-study.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const COUNTY = 'chasing';
const PARCELS = 30_000;
const SEED = 5;
const YEAR = 2025;
const admin = authHeader({ role: 'admin', sub: 'chasing-admin', counties: ['*'] });

describe('sales chasing (constructed rolls through the API)', () => {
  let t: TestApp;
  let chasedJob: string;
  let chasedCount: number;
  let result: Record<string, any>;

  beforeAll(async () => {
    t = await createTestApp({ JOBS_POLL_INTERVAL_MS: '500', RATE_LIMIT_ENABLED: 'false' });
    await loadDemoCounty(t.db, { countyId: COUNTY, parcels: PARCELS, seed: SEED });
    // The chased version: the 2025 certified roll, with every tenth parcel (in parcel_id order) of those with one
    // valid sale in 2024 valued at that sale's price.
    chasedJob = randomUUID();
    await t.db.query(
      `INSERT INTO valuation_runs (job_id, county_id, tax_year, method, parcel_count)
       SELECT $1, $2, $3, 'cost', count(*) FROM assessments WHERE county_id = $2 AND tax_year = $3`,
      [chasedJob, COUNTY, YEAR],
    );
    const written = await t.db.query(
      `WITH sold AS (
         SELECT parcel_id, max(sale_price) AS price FROM sales
          WHERE county_id = $2 AND is_valid AND sale_date BETWEEN '2024-01-01' AND '2024-12-31'
          GROUP BY parcel_id HAVING count(*) = 1),
       chased AS (
         SELECT parcel_id, price FROM (SELECT s.*, row_number() OVER (ORDER BY parcel_id) AS k FROM sold s) x
          WHERE k % 10 = 0)
       INSERT INTO valuation_values (job_id, parcel_id, land_value, improvement_value, total_value)
       SELECT $1, a.parcel_id,
              CASE WHEN c.price IS NULL THEN a.land_value ELSE 0 END,
              CASE WHEN c.price IS NULL THEN a.improvement_value ELSE c.price END,
              COALESCE(c.price, a.total_value)
         FROM assessments a LEFT JOIN chased c ON c.parcel_id = a.parcel_id
        WHERE a.county_id = $2 AND a.tax_year = $3
       RETURNING (total_value <> (SELECT total_value FROM assessments b
                                   WHERE b.county_id = $2 AND b.tax_year = $3 AND b.parcel_id = valuation_values.parcel_id)) AS changed`,
      [chasedJob, COUNTY, YEAR],
    );
    chasedCount = written.rows.filter((r: { changed: boolean }) => r.changed).length;

    const res = await t.request('POST', '/api/v1/reporting/run', {
      headers: admin,
      body: {
        county_id: COUNTY,
        tax_year: YEAR,
        report_type: 'ratio_study',
        compare: ['certified', chasedJob],
        prior_values: 'certified',
        group_by: ['property_class'],
      },
    });
    expect(res.status).toBe(202);
    const job = res.json().job_id as string;
    const done = await waitForJob(t, 'reporting', job, admin, { timeoutMs: 120_000 });
    expect(done.status).toBe('COMPLETED');
    result = (await t.request('GET', `/api/v1/reporting/results/${job}`, { headers: admin })).json();
  }, 240_000);

  afterAll(async () => {
    await t?.close();
  });

  const overall = (k: number): RatioStratum => result.comparison.versions[k].strata[0];

  it('reads the prior values of the year before', () => {
    expect(result.prior_values).toMatchObject({ requested: 'certified', used: 'certified', tax_year: YEAR - 1 });
    expect(chasedCount).toBeGreaterThan(100);
  });

  it('flags the chased roll by all three methods', () => {
    const c = overall(1).sales_chasing;
    expect(c.cdf_gap).toMatchObject({ flagged: true, at_ratio: 1, verdict: 'possible sales chasing' });
    expect(c.distribution).toMatchObject({ flagged: true, verdict: 'possible sales chasing' });
    expect(c.sold_unsold).toMatchObject({ flagged: true, verdict: 'possible sales chasing' });
    expect(c.verdict).toBe('possible sales chasing');
  });

  it('flags the honest roll by none', () => {
    const h = overall(0).sales_chasing;
    expect(h.cdf_gap).toMatchObject({ flagged: false, verdict: 'no sign of sales chasing' });
    expect(h.distribution).toMatchObject({ flagged: false, verdict: 'no sign of sales chasing' });
    expect(h.sold_unsold).toMatchObject({ flagged: false, verdict: 'no sign of sales chasing' });
    expect(h.verdict).toBe('no sign of sales chasing');
    // The residential stratum (nearly all sales) agrees; classes without sales are too few to judge.
    const strata = result.comparison.versions[0].strata as RatioStratum[];
    for (const s of strata.slice(1)) {
      expect(s.sales_chasing.verdict).toBe(s.trimmed.n >= 30 ? 'no sign of sales chasing' : 'too few sales to judge');
    }
  });

  it('refuses prior values that do not exist, naming the field', async () => {
    const res = await t.request('POST', '/api/v1/reporting/run', {
      headers: admin,
      body: { county_id: COUNTY, tax_year: YEAR, report_type: 'ratio_study', prior_values: randomUUID() },
    });
    expect(res.status).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(['prior_values']);
  });
});
