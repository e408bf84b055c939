// The ratio study's charts through the API: each SVG opened as XML and its marks checked against the chart data of
// the JSON result (10 decile bars, 101-point Lorenz curves with the line of equality, the 201-point ratio CDF, axis
// titles), for a study of one value set and for a comparison (one panel per set), plus the route's answers for
// unknown charts, other reports, unfinished jobs and callers outside the county.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { randomUUID } from 'node:crypto';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const COUNTY = 'charts';
const admin = authHeader({ role: 'admin', sub: 'charts-admin', counties: ['*'] });
const viewer = authHeader({ role: 'viewer', sub: 'charts-viewer', counties: [COUNTY] });
const outsider = authHeader({ role: 'admin', sub: 'charts-outsider', counties: ['elsewhere'] });

type Node = Record<string, unknown>;

/** Every element of the parsed SVG with its tag name, depth first. */
function elements(node: unknown, tag = 'svg', out: { tag: string; node: Node }[] = []): { tag: string; node: Node }[] {
  if (Array.isArray(node)) {
    for (const n of node) elements(n, tag, out);
    return out;
  }
  if (node === null || typeof node !== 'object') return out;
  out.push({ tag, node: node as Node });
  for (const [key, value] of Object.entries(node as Node)) {
    if (!key.startsWith('@_') && key !== '#text') elements(value, key, out);
  }
  return out;
}

function parseSvg(text: string) {
  expect(XMLValidator.validate(text)).toBe(true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    parseTagValue: false,
    isArray: (name) => name === 'g' || name === 'path',
  }).parse(text);
  const all = elements(doc.svg);
  /** Mark containers of a kind (`mark-rect role-mark` …), in document order. */
  const marks = (kind: string) =>
    all.filter((e) => e.tag === 'g' && String(e.node['@_class'] ?? '').startsWith(`mark-${kind} role-mark`));
  const paths = (g: { node: Node }) => (g.node.path as Node[] | undefined) ?? [];
  const texts = all
    .filter((e) => e.tag === 'text')
    .map((e) => String(e.node['#text'] ?? ''))
    .filter(Boolean);
  return { marks, paths, texts };
}

describe('ratio study charts (SVG)', () => {
  let t: TestApp;
  let single: string;
  let compared: string;
  let roll: string;
  let singleResult: Record<string, any>;

  const run = async (body: Record<string, unknown>, module = 'reporting') => {
    const res = await t.request('POST', `/api/v1/${module}/run`, {
      headers: admin,
      body: { county_id: COUNTY, ...body },
    });
    expect(res.status).toBe(202);
    const id = res.json().job_id as string;
    expect((await waitForJob(t, module, id, admin, { timeoutMs: 60_000 })).status).toBe('COMPLETED');
    return id;
  };
  const chart = (id: string, name: string, headers = viewer) =>
    t.request('GET', `/api/v1/reporting/results/${id}/charts/${name}`, { headers });

  beforeAll(async () => {
    t = await createTestApp({ JOBS_POLL_INTERVAL_MS: '500', RATE_LIMIT_ENABLED: 'false' });
    await loadDemoCounty(t.db, { countyId: COUNTY, parcels: 3000, seed: 21 });
    const valuation = await run({ tax_year: 2025, method: 'regression' }, 'valuation');
    single = await run({ tax_year: 2025, report_type: 'ratio_study', values: 'certified' });
    compared = await run({ tax_year: 2025, report_type: 'ratio_study', compare: ['certified', valuation] });
    roll = await run({ tax_year: 2025, report_type: 'assessment_roll' });
    singleResult = (await t.request('GET', `/api/v1/reporting/results/${single}`, { headers: viewer })).json();
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('keeps bounded chart data in the JSON result', () => {
    const c = singleResult.charts;
    expect(c.n).toBe(singleResult.strata[0].untrimmed.n);
    expect(c.ratio_by_price_decile).toHaveLength(10);
    expect(c.ratio_by_price_decile.reduce((s: number, d: { n: number }) => s + d.n, 0)).toBe(c.n);
    expect(c.lorenz).toHaveLength(101);
    expect(c.lorenz[100]).toEqual({ share_of_sales: 1, price_share: 1, value_share: 1 });
    expect(c.ratio_cdf).toHaveLength(201);
  });

  it('draws the ratio by price decile: ten bars, titled and labelled', async () => {
    const res = await chart(single, 'ratio-by-price-decile.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    const svg = parseSvg(res.text);
    const bars = svg.marks('rect');
    expect(bars).toHaveLength(1);
    expect(svg.paths(bars[0])).toHaveLength(10);
    expect(svg.texts).toEqual(
      expect.arrayContaining([
        'Assessment level by sale price',
        'Certified roll',
        'Median assessed value ÷ sale price',
        'Sale-price tenth of the sales (1 = lowest prices, 10 = highest)',
        ...singleResult.charts.ratio_by_price_decile.map((d: { median_ratio: number }) => d.median_ratio.toFixed(2)),
      ]),
    );
  });

  it('draws the Lorenz curves of prices and values with the line of equality and the MKI', async () => {
    const svg = parseSvg((await chart(single, 'lorenz.svg')).text);
    const lines = svg.marks('line').flatMap((g) => svg.paths(g));
    expect(lines).toHaveLength(3);
    const points = lines.map((p) => (String(p['@_d']).match(/[ML]/g) ?? []).length).sort((a, b) => a - b);
    expect(points).toEqual([2, 101, 101]);
    const mki = singleResult.strata[0].untrimmed.mki as number;
    expect(svg.texts).toEqual(
      expect.arrayContaining([
        `Certified roll — MKI ${mki.toFixed(3)}`,
        'Share of the sales, lowest price first',
        'Cumulative share of the total',
        'Sale prices',
        'Assessed values',
        'Line of equality',
      ]),
    );
  });

  it('draws the ratio CDF with the chasing band', async () => {
    const svg = parseSvg((await chart(single, 'ratio-cdf.svg')).text);
    const [curve] = svg.marks('line').flatMap((g) => svg.paths(g));
    // A step line: two commands per point after the first.
    expect((String(curve['@_d']).match(/[MLHV]/g) ?? []).length).toBeGreaterThanOrEqual(201);
    expect(svg.paths(svg.marks('rect')[0])).toHaveLength(1);
    expect(svg.texts).toEqual(
      expect.arrayContaining([
        'How the assessment ratios are spread',
        'Assessed value ÷ sale price (shaded: 0.98–1.02)',
        'Share of sales at or below this ratio',
      ]),
    );
  });

  it('puts one panel per value set side by side for a comparison', async () => {
    const bars = parseSvg((await chart(compared, 'ratio-by-price-decile.svg')).text);
    expect(bars.marks('rect').map((g) => bars.paths(g).length)).toEqual([10, 10]);
    expect(bars.texts).toEqual(
      expect.arrayContaining(['Certified roll', expect.stringMatching(/^Valuation [0-9a-f]{8}$/)]),
    );
    const lorenz = parseSvg((await chart(compared, 'lorenz.svg')).text);
    expect(lorenz.marks('line').flatMap((g) => lorenz.paths(g))).toHaveLength(6);
    const cdf = parseSvg((await chart(compared, 'ratio-cdf.svg')).text);
    expect(cdf.marks('line').flatMap((g) => cdf.paths(g))).toHaveLength(2);
  });

  it('answers 404 for an unknown chart, a report without charts and a county not yours; 400 and 409 as results', async () => {
    for (const name of ['pie.svg', 'lorenz', 'lorenz.png']) {
      const res = await chart(single, name);
      expect(res.status).toBe(404);
      expect(res.json().detail).toContain('lorenz.svg');
    }
    expect((await chart(roll, 'lorenz.svg')).status).toBe(404);
    expect((await chart(single, 'lorenz.svg', outsider)).status).toBe(404);
    expect((await chart(randomUUID(), 'lorenz.svg')).status).toBe(404);
    expect((await chart('not-a-uuid', 'lorenz.svg')).status).toBe(400);
    expect((await chart(single, 'lorenz.svg', {})).status).toBe(401);
    const pending = randomUUID();
    await t.db.query(
      `INSERT INTO jobs (id, module, county_id, status, parameters, requested_by, max_attempts)
       VALUES ($1, 'reporting', $2, 'PENDING', '{"report_type":"ratio_study"}', 'someone', 1)`,
      [pending, COUNTY],
    );
    expect((await chart(pending, 'lorenz.svg')).status).toBe(409);
  });
});
