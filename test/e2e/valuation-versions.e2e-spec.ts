// Values as versions, through the HTTP API on a real PostgreSQL: a certified roll imported, two valuations kept
// side by side, one adopted (and switched), the certified roll unchanged byte for byte, every consumer (ratio
// study, comparison, assessment roll, GIS export, parcel read) reading the values it was asked for, and the
// requests that name values that do not exist refused with a message.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { DemoCounty } from '../../src/demo/generator.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const COUNTY = 'versions';
const PARCELS = 3000;
const SEED = 11;
const YEAR = 2025;
const admin = authHeader({ role: 'admin', sub: 'admin-1' });
const assessor = authHeader({ role: 'assessor', sub: 'assessor-7', counties: [COUNTY] });
const analyst = authHeader({ role: 'analyst', sub: 'analyst-2', counties: [COUNTY] });
const outsider = authHeader({ role: 'assessor', sub: 'assessor-9', counties: ['elsewhere'] });

describe('valuation versions', () => {
  let t: TestApp;
  let regressionJob: string;
  let costJob: string;

  const certifiedDigest = async () =>
    (
      await t.db.query<{ n: number; digest: string }>(
        `SELECT count(*)::int AS n, md5(string_agg(concat_ws('|', parcel_id, tax_year, land_value,
                improvement_value, total_value, updated_at), ',' ORDER BY parcel_id, tax_year)) AS digest
           FROM assessments WHERE county_id = $1`,
        [COUNTY],
      )
    ).rows[0];
  let certified: { n: number; digest: string };

  const run = async (module: string, body: Record<string, unknown>, headers = admin) => {
    const res = await t.request('POST', `/api/v1/${module}/run`, { headers, body: { county_id: COUNTY, ...body } });
    expect(res.status).toBe(202);
    const id = res.json().job_id as string;
    const done = await waitForJob(t, module, id, headers, { timeoutMs: 60_000 });
    expect(done).toMatchObject({ status: 'COMPLETED' });
    return id;
  };
  const results = async (module: string, id: string, query = '') => {
    const res = await t.request('GET', `/api/v1/${module}/results/${id}${query}`, { headers: admin });
    expect(res.status).toBe(200);
    return res;
  };
  const versionTotals = async (jobId: string) =>
    (
      await t.db.query<{ n: number; total: number }>(
        'SELECT count(*)::int AS n, sum(total_value)::float8 AS total FROM valuation_values WHERE job_id = $1',
        [jobId],
      )
    ).rows[0];

  beforeAll(async () => {
    t = await createTestApp({ JOBS_POLL_INTERVAL_MS: '500', RATE_LIMIT_ENABLED: 'false' });
    // Parcels and sales from the generator; the certified roll through the import route, as an office loads it.
    await loadDemoCounty(t.db, { countyId: COUNTY, parcels: PARCELS, seed: SEED });
    await t.db.query('DELETE FROM assessments WHERE county_id = $1', [COUNTY]);
    const lines = ['parcel_id,tax_year,land_value,improvement_value,total_value'];
    for (const a of new DemoCounty({ parcels: PARCELS, seed: SEED }).assessments()) {
      lines.push([a.parcelId, a.taxYear, a.landValue, a.improvementValue, a.totalValue].join(','));
    }
    const imported = await t.request('POST', `/api/v1/counties/${COUNTY}/assessments/import`, {
      headers: { ...admin, 'content-type': 'text/csv' },
      body: lines.join('\n') + '\n',
    });
    expect(imported.status).toBe(200);
    expect(imported.json()).toMatchObject({ rejected: 0 });
    certified = await certifiedDigest();
    expect(certified.n).toBe(lines.length - 1);

    regressionJob = await run('valuation', { tax_year: YEAR, method: 'regression' });
    costJob = await run('valuation', { tax_year: YEAR, method: 'cost' });
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('keeps both valuations as versions and the certified roll as imported', async () => {
    expect(await certifiedDigest()).toEqual(certified);
    const list = await t.request('GET', `/api/v1/valuation/versions?county_id=${COUNTY}&tax_year=${YEAR}`, {
      headers: analyst,
    });
    expect(list.status).toBe(200);
    const items = list.json().items as Record<string, unknown>[];
    expect(items.map((v) => v.job_id).sort()).toEqual([regressionJob, costJob].sort());
    for (const v of items) {
      expect(v).toMatchObject({ county_id: COUNTY, tax_year: YEAR, parcel_count: PARCELS, adopted: false });
      expect(v.adopted_at).toBeNull();
    }
    for (const job of [regressionJob, costJob]) {
      const page = await t.request('GET', `/api/v1/valuation/results/${job}/parcels?limit=3`, { headers: analyst });
      expect(page.status).toBe(200);
      expect(page.json().items).toHaveLength(3);
      expect((await results('valuation', job)).json().summary.stored_values).toBe(PARCELS);
    }
  });

  it('reads certified values as current while nothing is adopted', async () => {
    const job = await run('reporting', { tax_year: YEAR, report_type: 'ratio_study' });
    expect((await results('reporting', job)).json().values).toEqual({
      requested: 'current',
      used: 'certified',
      tax_year: YEAR,
      job_id: null,
      adopted: false,
      certified_fallback: false,
    });
  });

  it('adopts a version with valuation:adopt only, recording who and when, and switches on a second adoption', async () => {
    const refused = await t.request('POST', `/api/v1/valuation/results/${regressionJob}/adopt`, { headers: analyst });
    expect(refused.status).toBe(403);
    const hidden = await t.request('POST', `/api/v1/valuation/results/${regressionJob}/adopt`, { headers: outsider });
    expect(hidden.status).toBe(404);

    const first = await t.request('POST', `/api/v1/valuation/results/${costJob}/adopt`, { headers: assessor });
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({
      job_id: costJob,
      adopted: true,
      adopted_by: 'assessor-7',
      previously_adopted_job_id: null,
    });
    expect(Date.now() - Date.parse(first.json().adopted_at)).toBeLessThan(60_000);

    const second = await t.request('POST', `/api/v1/valuation/results/${regressionJob}/adopt`, { headers: assessor });
    expect(second.status).toBe(200);
    expect(second.json()).toMatchObject({ job_id: regressionJob, previously_adopted_job_id: costJob });
    // Adopting the adopted version again changes nothing.
    const again = await t.request('POST', `/api/v1/valuation/results/${regressionJob}/adopt`, { headers: admin });
    expect(again.json()).toMatchObject({ adopted_by: 'assessor-7', previously_adopted_job_id: null });
    expect(again.json().adopted_at).toBe(second.json().adopted_at);

    const list = await t.request('GET', `/api/v1/valuation/versions?county_id=${COUNTY}`, { headers: analyst });
    const adopted = (list.json().items as { job_id: string; adopted: boolean }[]).filter((v) => v.adopted);
    expect(adopted.map((v) => v.job_id)).toEqual([regressionJob]);
    expect(await certifiedDigest()).toEqual(certified);
  });

  it("shows a parcel's certified values beside the current (adopted) ones and the job they came from", async () => {
    const { rows } = await t.db.query<{ parcel_id: string; total: number; certified: number }>(
      `SELECT v.parcel_id, v.total_value::float8 AS total, a.total_value::float8 AS certified
         FROM valuation_values v JOIN assessments a ON a.county_id = $2 AND a.parcel_id = v.parcel_id AND a.tax_year = $3
        WHERE v.job_id = $1 ORDER BY v.parcel_id LIMIT 1`,
      [regressionJob, COUNTY, YEAR],
    );
    const res = await t.request('GET', `/api/v1/counties/${COUNTY}/parcels/${rows[0].parcel_id}`, { headers: analyst });
    expect(res.status).toBe(200);
    const values = res.json().values as Record<string, any>[];
    expect(values.map((v) => v.tax_year)).toEqual([YEAR, YEAR - 1]);
    expect(values[0]).toMatchObject({
      total_value: rows[0].total,
      source: 'valuation',
      job_id: regressionJob,
      certified: { total_value: rows[0].certified },
    });
    expect(values[1]).toMatchObject({ source: 'certified', job_id: null, adopted_at: null });
    expect(values[1].total_value).toBe(values[1].certified.total_value);
  });

  it('compares certified, current and a version in one ratio study on the same sales, in JSON and CSV', async () => {
    const job = await run('reporting', {
      tax_year: YEAR,
      report_type: 'ratio_study',
      compare: ['certified', 'current', costJob],
      group_by: ['property_class'],
    });
    const study = (await results('reporting', job)).json();
    const c = study.comparison;
    expect(c.values.map((v: { requested: string }) => v.requested)).toEqual(['certified', 'current', costJob]);
    expect(c.values[1]).toMatchObject({ used: 'version', job_id: regressionJob, adopted: true });
    expect(c.versions.map((v: { values: string }) => v.values)).toEqual(['certified', 'current', costJob]);
    // The same sales for every set, and the first set's strata are the study's own.
    const n = c.versions.map((v: any) => v.strata[0].untrimmed.n);
    expect(new Set(n).size).toBe(1);
    expect(n[0]).toBe(study.sales.used);
    expect(study.strata).toEqual(c.versions[0].strata);
    // Each version alone gives the same statistics as its column of the comparison.
    for (const [i, values] of [
      [1, 'current'],
      [2, costJob],
    ] as const) {
      const alone = (
        await results(
          'reporting',
          await run('reporting', { tax_year: YEAR, report_type: 'ratio_study', values, group_by: ['property_class'] }),
        )
      ).json();
      expect(alone.sales.used).toBe(study.sales.used);
      expect(alone.strata).toEqual(c.versions[i].strata);
      const diff = c.differences[i - 1];
      expect(diff).toMatchObject({ values, against: 'certified' });
      expect(diff.strata[0].cod).toBeCloseTo(alone.strata[0].trimmed.cod - study.strata[0].trimmed.cod, 10);
      expect(diff.strata[0].median).toBeCloseTo(alone.strata[0].trimmed.median - study.strata[0].trimmed.median, 10);
    }
    // The regression values are closer to the market than the generator's certified roll.
    expect(Math.abs(c.versions[1].strata[0].trimmed.median - 1)).toBeLessThan(0.05);

    const csv = (await results('reporting', job, '?format=csv')).text.split('\r\n').filter(Boolean);
    expect(csv[0].startsWith('Values,Stratum,Group,Sample,Sales,')).toBe(true);
    const strata = study.strata.length;
    expect(csv.filter((l) => l.startsWith('certified,'))).toHaveLength(strata * 2);
    expect(csv.filter((l) => l.startsWith(`${costJob},`))).toHaveLength(strata * 2);
    const diffRows = csv.filter((l) => l.startsWith(`current minus certified,`));
    expect(diffRows).toHaveLength(strata);
    expect(diffRows[0].split(',')[11]).toBe(String(Number(c.differences[0].strata[0].cod.toFixed(2))));
  }, 120_000);

  it('sums the current values in the assessment roll and exports the values asked for', async () => {
    const roll = (
      await results('reporting', await run('reporting', { tax_year: YEAR, report_type: 'assessment_roll' }))
    ).json();
    expect(roll.values).toMatchObject({ requested: 'current', used: 'version', job_id: regressionJob });
    expect(roll.prior_values).toMatchObject({ requested: 'current', used: 'certified', tax_year: YEAR - 1 });
    const adopted = await versionTotals(regressionJob);
    expect(roll.overall.parcel_count).toBe(adopted.n);
    expect(roll.overall.total_value).toBeCloseTo(adopted.total, 2);

    const certifiedRoll = (
      await results(
        'reporting',
        await run('reporting', { tax_year: YEAR, report_type: 'assessment_roll', values: 'certified' }),
      )
    ).json();
    const { rows } = await t.db.query<{ total: number }>(
      'SELECT sum(total_value)::float8 AS total FROM assessments WHERE county_id = $1 AND tax_year = $2',
      [COUNTY, YEAR],
    );
    expect(certifiedRoll.overall.total_value).toBeCloseTo(rows[0].total, 2);

    const exportJob = await run('gis-export', { export_format: 'csv', values: costJob });
    const exported = (await results('gis-export', exportJob)).json();
    expect(exported).toMatchObject({
      tax_year: YEAR,
      values: { requested: costJob, used: 'version', job_id: costJob },
    });
    const file = await t.request('GET', `/api/v1/gis-export/results/${exportJob}/download`, { headers: admin });
    expect(file.status).toBe(200);
    const [header, ...body] = file.text.trim().split(/\r?\n/);
    const totalAt = header.split(',').indexOf('total_value');
    const sum = body.reduce((s, line) => s + Number(line.split(',')[totalAt]), 0);
    expect(sum).toBeCloseTo((await versionTotals(costJob)).total, 0);
  }, 120_000);

  it('refuses values that name nothing usable, naming the field and why, and queues nothing', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n;
    const post = (module: string, body: Record<string, unknown>) =>
      t.request('POST', `/api/v1/${module}/run`, { headers: admin, body: { county_id: COUNTY, ...body } });
    const stranger = randomUUID();
    const cases: [string, Record<string, unknown>, { field: string; message: string }[]][] = [
      [
        'reporting',
        { tax_year: YEAR, report_type: 'ratio_study', values: 'latest' },
        [{ field: 'values', message: 'must be "certified", "current" or the job_id of a valuation' }],
      ],
      [
        'reporting',
        { tax_year: YEAR, report_type: 'ratio_study', values: stranger },
        [
          {
            field: 'values',
            message:
              `"${stranger}" is not a valuation of county "${COUNTY}" with stored values ` +
              '(no such job, not completed yet, or its values were deleted)',
          },
        ],
      ],
      [
        'reporting',
        { tax_year: YEAR - 1, report_type: 'ratio_study', compare: ['certified', costJob] },
        [{ field: 'compare.1', message: `"${costJob}" valued tax year ${YEAR}, not ${YEAR - 1}` }],
      ],
      [
        'reporting',
        { tax_year: YEAR, report_type: 'assessment_roll', compare: ['certified', 'current'] },
        [{ field: 'compare', message: 'is only for report_type ratio_study' }],
      ],
      [
        'reporting',
        { tax_year: YEAR, report_type: 'ratio_study', values: 'current', compare: ['certified', 'current'] },
        [{ field: 'values', message: 'give values or compare, not both' }],
      ],
      [
        'reporting',
        { tax_year: YEAR, report_type: 'ratio_study', compare: ['certified', 'CERTIFIED'] },
        [{ field: 'compare', message: 'must not repeat a value set' }],
      ],
      [
        'gis-export',
        { export_format: 'csv', values: stranger },
        [
          {
            field: 'values',
            message:
              `"${stranger}" is not a valuation of county "${COUNTY}" with stored values ` +
              '(no such job, not completed yet, or its values were deleted)',
          },
        ],
      ],
    ];
    for (const [module, body, errors] of cases) {
      const res = await post(module, body);
      expect({ body, status: res.status, type: res.headers.get('content-type') }).toEqual({
        body,
        status: 400,
        type: 'application/problem+json; charset=utf-8',
      });
      expect(res.json().errors).toEqual(errors);
    }
    expect((await t.db.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n).toBe(before);
  });

  it('deletes a version that is not adopted, refuses the adopted one, and answers 410 for deleted values', async () => {
    const adopted = await t.request('DELETE', `/api/v1/valuation/results/${regressionJob}`, { headers: assessor });
    expect(adopted.status).toBe(409);
    expect(adopted.json().detail).toBe(
      `The values of valuation job ${regressionJob} are the adopted (current) values of their county and tax year; ` +
        'adopt another version first, then delete this one.',
    );
    const viewer = authHeader({ role: 'viewer' });
    expect((await t.request('DELETE', `/api/v1/valuation/results/${costJob}`, { headers: viewer })).status).toBe(403);

    const deleted = await t.request('DELETE', `/api/v1/valuation/results/${costJob}`, { headers: assessor });
    expect(deleted.status).toBe(204);
    expect(await versionTotals(costJob)).toEqual({ n: 0, total: null });
    for (const [method, path] of [
      ['DELETE', `/api/v1/valuation/results/${costJob}`],
      ['POST', `/api/v1/valuation/results/${costJob}/adopt`],
      ['GET', `/api/v1/valuation/results/${costJob}/parcels`],
    ]) {
      const res = await t.request(method, path, { headers: assessor });
      expect({ path, status: res.status }).toEqual({ path, status: 410 });
      expect(res.json().detail).toBe(
        `The values of valuation job ${costJob} were deleted; run the valuation again to get values.`,
      );
    }
    // The adopted version and the certified roll are still there.
    expect((await versionTotals(regressionJob)).n).toBe(PARCELS);
    expect(await certifiedDigest()).toEqual(certified);
  });
});
