// The reporting engine through the whole path: the IAAO worked examples (IAAO Standard on Ratio Studies, tables
// 1-1, 1-4, D-1 and D-2) imported as one county through the import API, one neighborhood per table, then run as
// ratio-study jobs through the job routes; the figures must match the standard's to the printed precision.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { PARCEL_COLUMNS } from '../../src/counties/parcel-columns.js';
import { ReportingEngine } from '../../src/reporting/reporting-engine.js';
import { IAAO_TABLES, readIaaoTable, type IaaoTable } from '../../src/statistics/fixtures/iaao-tables.js';
import { QUINTOS_COLUMNS, QUINTOS_EXPECTED, readQuintosSample } from '../../src/statistics/fixtures/quintos-sample.js';
import type { RatioStratum } from '../../src/reporting/ratio-study/ratio-study.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type HttpResponse, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const admin = authHeader({ role: 'admin', sub: 'report-admin', counties: ['*'] });
const COUNTY = 'iaao';
const TAX_YEAR = 2025;
const neighborhoodOf = (table: IaaoTable) => `IAAO ${table.name}`;

function csv(header: readonly string[], rows: (string | number)[][]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

/** Parcels, sales and roll values of the four tables, plus rows the study must leave out. */
function countyFiles(): { parcels: string; sales: string; assessments: string } {
  const parcels: (string | number)[][] = [];
  const sales: (string | number)[][] = [];
  const assessments: (string | number)[][] = [];
  for (const table of IAAO_TABLES) {
    const rows = readIaaoTable(table);
    rows.estimate.forEach((estimate, i) => {
      const id = `T${table.name}-${String(i + 1).padStart(2, '0')}`;
      parcels.push([
        id,
        neighborhoodOf(table),
        'residential',
        6000,
        1500,
        1980,
        3,
        3,
        3,
        2,
        `${i + 1} Main St`,
        -86.5,
        39.1,
      ]);
      // Sales spread over the default window (the year before the valuation date 2025-01-01).
      sales.push([
        id,
        `2024-${String((i % 12) + 1).padStart(2, '0')}-15`,
        rows.salePrice[i],
        'true',
        'ARMS_LENGTH',
        'WARRANTY',
      ]);
      const land = Math.floor(estimate / 4);
      assessments.push([id, TAX_YEAR, land, estimate - land, estimate]);
      // The prior roll: 10 % lower.
      const prior = Math.round(estimate * 0.9);
      assessments.push([id, TAX_YEAR - 1, Math.floor(prior / 4), prior - Math.floor(prior / 4), prior]);
    });
  }
  // Left out of the study: an invalid sale, a sale outside the window, a sale without a value of the tax year.
  parcels.push(['X-1', 'IAAO 1-1', 'residential', 6000, 1500, 1980, 3, 3, 3, 2, '1 Side St', -86.5, 39.1]);
  parcels.push(['X-2', 'IAAO 1-1', 'residential', 6000, 1500, 1980, 3, 3, 3, 2, '2 Side St', -86.5, 39.1]);
  parcels.push(['X-3', 'Elsewhere', 'vacant', 6000, '', '', '', '', '', '', '3 Side St', -86.5, 39.1]);
  sales.push(['X-1', '2024-05-01', 10_000, 'false', 'FAMILY', 'QUITCLAIM']);
  sales.push(['X-2', '2023-12-31', 10_000, 'true', 'ARMS_LENGTH', 'WARRANTY']);
  sales.push(['X-3', '2024-06-01', 50_000, 'true', 'ARMS_LENGTH', 'WARRANTY']);
  assessments.push(['X-1', TAX_YEAR, 100_000, 0, 100_000]);
  assessments.push(['X-2', TAX_YEAR, 100_000, 0, 100_000]);
  return {
    parcels: csv(PARCEL_COLUMNS, parcels),
    sales: csv(['parcel_id', 'sale_date', 'sale_price', 'is_valid', 'validity_code', 'deed_type'], sales),
    assessments: csv(['parcel_id', 'tax_year', 'land_value', 'improvement_value', 'total_value'], assessments),
  };
}

/** The README's figures, to the printed precision. */
function expectIaaoFigures(stratum: RatioStratum, table: IaaoTable): void {
  const s = stratum.untrimmed;
  const e = table.expected;
  expect(s.n).toBe(e.n);
  expect(s.median).toBeCloseTo(e.median, 6);
  expect(s.mean).toBeCloseTo(e.mean, 6);
  expect(s.weighted_mean).toBeCloseTo(e.weighted_mean, 6);
  expect(s.cod).toBeCloseTo(e.cod, 6);
  expect(s.prd).toBeCloseTo(e.prd, 6);
  expect(s.prb).toBeCloseTo(e.prb, 6);
  expect(s.prb_ci![0]).toBeCloseTo(e.prb_ci[0], 5);
  expect(s.prb_ci![1]).toBeCloseTo(e.prb_ci[1], 5);
  const rows = readIaaoTable(table);
  const sorted = rows.estimate.map((v, i) => v / rows.salePrice[i]).sort((a, b) => a - b);
  expect(s.median_ci).toEqual([sorted[e.median_ci_ranks[0] - 1], sorted[e.median_ci_ranks[1] - 1]]);
}

describe('Reporting engine (IAAO worked examples through import, job and results)', () => {
  let t: TestApp;

  async function runReport(body: Record<string, unknown>): Promise<{ id: string; doc: Record<string, any> }> {
    const res = await t.request('POST', '/api/v1/reporting/run', { headers: admin, body });
    expect(res.status).toBe(202);
    const id = res.json().job_id as string;
    expect(res.headers.get('location')).toBe(`/api/v1/reporting/status/${id}`);
    return { id, doc: await waitForJob(t, 'reporting', id, admin) };
  }

  beforeAll(async () => {
    t = await createTestApp({ JOBS_POLL_INTERVAL_MS: '500', RATE_LIMIT_ENABLED: 'false' });
    const put = await t.request('PUT', `/api/v1/counties/${COUNTY}`, {
      headers: admin,
      body: { name: 'IAAO examples' },
    });
    expect([200, 201]).toContain(put.status);
    const files = countyFiles();
    for (const kind of ['parcels', 'sales', 'assessments'] as const) {
      const res: HttpResponse = await t.request('POST', `/api/v1/counties/${COUNTY}/${kind}/import`, {
        headers: { ...admin, 'content-type': 'text/csv' },
        body: files[kind],
      });
      expect(res.status).toBe(200);
      expect(res.json().rejected).toBe(0);
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  it('reproduces the four IAAO tables as neighborhood strata of a ratio_study job', async () => {
    const { id, doc } = await runReport({
      county_id: COUNTY,
      tax_year: TAX_YEAR,
      report_type: 'ratio_study',
      group_by: ['neighborhood'],
    });
    expect(doc.status).toBe('COMPLETED');
    expect(doc.progress).toBe(1);
    const res = await t.request('GET', `/api/v1/reporting/results/${id}`, { headers: admin });
    expect(res.status).toBe(200);
    const result = res.json();
    expect(result.report_type).toBe('ratio_study');
    expect(result.valuation_date).toBe('2025-01-01');
    expect(result.sales_window).toEqual({ from: '2024-01-01', to: '2024-12-31' });
    // 94 table sales; the invalid one and the one outside the window are not pulled, X-3 has no 2025 value.
    expect(result.sales).toEqual({ used: 94, without_value: 1, zero_value: 0 });
    const strata = result.strata as RatioStratum[];
    expect(strata.map((s) => s.group)).toEqual([
      {},
      ...IAAO_TABLES.map((table) => ({ neighborhood: neighborhoodOf(table) })),
    ]);
    IAAO_TABLES.forEach((table, k) => expectIaaoFigures(strata[k + 1], table));
    // Table 1-4 (17 sales) is flagged as too small; the overall stratum (94 sales) is not.
    expect(strata[2].warnings[0]).toBe(
      'only 17 sales (fewer than 30): the figures are too uncertain to judge compliance',
    );
    expect(strata[0].flags.sample_ok).toBe(true);
    // D-2 meets the level standard; table 1-1 (COD ≈ 30) fails uniformity.
    expect(strata[4].flags.median_ok).toBe(true);
    expect(strata[1].untrimmed.cod! > 15).toBe(true);
  });

  it('serves the ratio study as a tidy, injection-safe CSV with ?format=csv', async () => {
    const { id } = await runReport({
      county_id: COUNTY,
      tax_year: TAX_YEAR,
      report_type: 'ratio_study',
      group_by: ['neighborhood'],
    });
    const res = await t.request('GET', `/api/v1/reporting/results/${id}?format=csv`, { headers: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="ratio_study-${COUNTY}-${id}.csv"`);
    const lines = res.text.split('\r\n');
    expect(lines[0].startsWith('Stratum,Group,Sample,Sales,Outliers trimmed,Median ratio,')).toBe(true);
    expect(lines).toHaveLength(1 + 5 * 2 + 1);
    const d1 = lines.find((l) => l.startsWith('Neighborhood,IAAO D-1,Untrimmed,25,'))!;
    const cells = d1.split(',');
    // Rounded for people (ratios 4 decimals, COD 2, PRD 3); the JSON result above keeps full precision.
    expect(cells[5]).toBe('0.9098'); // median 0.909821
    expect(cells[10]).toBe('7.51'); // COD 7.507398
    expect(cells[12]).toBe('-0.1198'); // PRB -0.119837 stays a number
    const bad = await t.request('GET', `/api/v1/reporting/results/${id}?format=xlsx`, { headers: admin });
    expect(bad.status).toBe(400);
  });

  it('gives the same figures from the engine called directly, reporting progress', async () => {
    const engine = t.app.get(ReportingEngine, { strict: false });
    const seen: number[] = [];
    const result = await engine.run(
      { jobId: 'direct', countyId: COUNTY, taxYear: TAX_YEAR, reportType: 'ratio_study', groupBy: ['neighborhood'] },
      async (f) => {
        seen.push(f);
      },
    );
    const strata = result.strata as RatioStratum[];
    IAAO_TABLES.forEach((table, k) => expectIaaoFigures(strata[k + 1], table));
    expect(seen.length).toBeGreaterThan(1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('summarises the assessment roll with the change against the prior year', async () => {
    const { id, doc } = await runReport({ county_id: COUNTY, tax_year: TAX_YEAR, report_type: 'assessment_roll' });
    expect(doc.status).toBe('COMPLETED');
    const result = (await t.request('GET', `/api/v1/reporting/results/${id}`, { headers: admin })).json();
    let total = 0;
    let prior = 0;
    for (const table of IAAO_TABLES) {
      for (const e of readIaaoTable(table).estimate) {
        total += e;
        prior += Math.round(e * 0.9);
      }
    }
    total += 200_000;
    expect(result.overall.parcel_count).toBe(96);
    expect(result.overall.total_value).toBe(total);
    expect(result.overall.prior.parcel_count).toBe(94);
    expect(result.overall.prior.total_value).toBe(prior);
    expect(result.overall.change.total_value.absolute).toBe(total - prior);
    expect(result.overall.change.total_value.percent).toBeCloseTo((total - prior) / prior, 12);
    expect(result.by_property_class.map((g: { group: unknown }) => g.group)).toEqual([
      { property_class: 'residential' },
    ]);
    const d2 = result.by_neighborhood.find(
      (g: { group: { neighborhood: string } }) => g.group.neighborhood === 'IAAO D-2',
    );
    expect(d2.parcel_count).toBe(16);
    expect(d2.land_value + d2.improvement_value).toBe(d2.total_value);
    const csvRes = await t.request('GET', `/api/v1/reporting/results/${id}?format=csv`, { headers: admin });
    expect(csvRes.text.split('\r\n')[1].startsWith(`Overall,All parcels,2025,96,`)).toBe(true);
  });

  it('fails a ratio study without values of the tax year as insufficient_data, with a clear message', async () => {
    const { doc } = await runReport({ county_id: COUNTY, tax_year: 2020, report_type: 'ratio_study' });
    expect(doc.status).toBe('FAILED');
    expect(doc.error).toEqual({
      reason: 'insufficient_data',
      message: 'no valid sales between 2019-01-01 and 2019-12-31 with a 2020 value in county "iaao"',
    });
  });

  it('trims by the configured factor and refuses an out-of-range one', async () => {
    const { id } = await runReport({
      county_id: COUNTY,
      tax_year: TAX_YEAR,
      report_type: 'ratio_study',
      trim_factor: 0.5,
    });
    const result = (await t.request('GET', `/api/v1/reporting/results/${id}`, { headers: admin })).json();
    expect(result.trim_factor).toBe(0.5);
    expect(result.strata[0].trimmed_count).toBeGreaterThan(0);
    expect(result.strata[0].trimmed.n + result.strata[0].trimmed_count).toBe(94);
    const bad = await t.request('POST', '/api/v1/reporting/run', {
      headers: admin,
      body: { county_id: COUNTY, tax_year: TAX_YEAR, report_type: 'ratio_study', trim_factor: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['trim_factor']);
  });

  it('reproduces the Quintos MKI and KI of three rolls that differ only within a price tie', async () => {
    // The 30 sales as a county of their own (sale ids follow the file's order, which breaks the tie of the three
    // sales at 89,000), estimate1 as the certified roll, estimate2 and estimate3 as two valuation versions.
    const county = 'quintos';
    const sample = readQuintosSample();
    await t.request('PUT', `/api/v1/counties/${county}`, { headers: admin, body: { name: 'Quintos 2020' } });
    const id = (i: number) => `Q-${String(i + 1).padStart(2, '0')}`;
    const files = {
      parcels: csv(
        PARCEL_COLUMNS,
        sample.salePrice.map((_, i) => [
          id(i),
          'Q',
          'residential',
          6000,
          1500,
          1980,
          3,
          3,
          3,
          2,
          `${i} Q St`,
          -86.5,
          39.1,
        ]),
      ),
      sales: csv(
        ['parcel_id', 'sale_date', 'sale_price', 'is_valid', 'validity_code', 'deed_type'],
        sample.salePrice.map((price, i) => [id(i), '2024-06-01', price, 'true', 'ARMS_LENGTH', 'WARRANTY']),
      ),
      assessments: csv(
        ['parcel_id', 'tax_year', 'land_value', 'improvement_value'],
        sample.estimates.estimate1.map((v, i) => [id(i), TAX_YEAR, 0, v.toFixed(2)]),
      ),
    };
    for (const kind of ['parcels', 'sales', 'assessments'] as const) {
      const res = await t.request('POST', `/api/v1/counties/${county}/${kind}/import`, {
        headers: { ...admin, 'content-type': 'text/csv' },
        body: files[kind],
      });
      expect(res.json()).toMatchObject({ rejected: 0 });
    }
    const saleOrder = await t.db.query<{ parcel_id: string }>(
      'SELECT parcel_id FROM sales WHERE county_id = $1 ORDER BY id',
      [county],
    );
    expect(saleOrder.rows.map((r) => r.parcel_id)).toEqual(sample.salePrice.map((_, i) => id(i)));
    const versions: string[] = [];
    for (const column of ['estimate2', 'estimate3'] as const) {
      const job = randomUUID();
      await t.db.query(
        `INSERT INTO valuation_runs (job_id, county_id, tax_year, method, parcel_count) VALUES ($1, $2, $3, 'cost', 30)`,
        [job, county, TAX_YEAR],
      );
      await t.db.query(
        `INSERT INTO valuation_values (job_id, parcel_id, land_value, improvement_value, total_value)
         SELECT $1, p, 0, v, v FROM unnest($2::text[], $3::numeric[]) AS x(p, v)`,
        [job, sample.salePrice.map((_, i) => id(i)), sample.estimates[column].map((v) => v.toFixed(2))],
      );
      versions.push(job);
    }
    const { id: job, doc } = await runReport({
      county_id: county,
      tax_year: TAX_YEAR,
      report_type: 'ratio_study',
      compare: ['certified', ...versions],
    });
    expect(doc.status).toBe('COMPLETED');
    const result = (await t.request('GET', `/api/v1/reporting/results/${job}`, { headers: admin })).json();
    expect(result.strata[0].untrimmed.n).toBe(30);
    QUINTOS_COLUMNS.forEach((column, k) => {
      const s = result.comparison.versions[k].strata[0].untrimmed;
      expect(Math.abs(s.mki - QUINTOS_EXPECTED[column].mki)).toBeLessThan(1e-6);
      expect(Math.abs(s.ki - QUINTOS_EXPECTED[column].ki)).toBeLessThan(1e-6);
    });
    expect(result.strata[0].untrimmed.mki).toBe(result.comparison.versions[0].strata[0].untrimmed.mki);
    // Strongly regressive: outside Quintos's range.
    expect(result.strata[0].flags.mki_ok).toBe(false);
    expect(result.standards.mki).toEqual([0.95, 1.05]);
  });

  it('gives bootstrap intervals that a seed reproduces and that cover the point estimates', async () => {
    const body = {
      county_id: COUNTY,
      tax_year: TAX_YEAR,
      report_type: 'ratio_study',
      group_by: ['neighborhood'],
      bootstrap: { resamples: 500, seed: 7 },
    };
    const a = (
      await t.request('GET', `/api/v1/reporting/results/${(await runReport(body)).id}`, { headers: admin })
    ).json();
    const b = (
      await t.request('GET', `/api/v1/reporting/results/${(await runReport(body)).id}`, { headers: admin })
    ).json();
    const c = (
      await t.request('GET', `/api/v1/reporting/results/${(await runReport({ ...body, bootstrap: { seed: 8 } })).id}`, {
        headers: admin,
      })
    ).json();
    expect(a.bootstrap).toEqual({
      resamples: 500,
      seed: 7,
      confidence: 0.95,
      interval: 'percentile',
      sample: 'trimmed',
    });
    expect(c.bootstrap).toMatchObject({ resamples: 1000, seed: 8 });
    expect(a.strata.map((s: RatioStratum) => s.bootstrap)).toEqual(b.strata.map((s: RatioStratum) => s.bootstrap));
    expect(a.strata[0].bootstrap).not.toEqual(c.strata[0].bootstrap);
    for (const s of a.strata as RatioStratum[]) {
      expect(s.bootstrap).toMatchObject({ sample: 'trimmed', method: 'classic', resamples: 500 });
      for (const [ci, point] of [
        [s.bootstrap.cod_ci, s.trimmed.cod],
        [s.bootstrap.prd_ci, s.trimmed.prd],
        [s.bootstrap.mki_ci, s.trimmed.mki],
      ] as const) {
        expect(ci![0]).toBeLessThanOrEqual(point!);
        expect(ci![1]).toBeGreaterThanOrEqual(point!);
      }
    }
    const bad = await t.request('POST', '/api/v1/reporting/run', {
      headers: admin,
      body: { ...body, bootstrap: { resamples: 5, seed: -1, extra: 1 } },
    });
    expect(bad.status).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['bootstrap.extra', 'bootstrap.resamples', 'bootstrap.seed']);
    const roll = await t.request('POST', '/api/v1/reporting/run', {
      headers: admin,
      body: { county_id: COUNTY, tax_year: TAX_YEAR, report_type: 'assessment_roll', bootstrap: {} },
    });
    expect(roll.status).toBe(400);
  });
});
