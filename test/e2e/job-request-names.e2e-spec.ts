// Job requests naming neighborhoods or property classes the county's parcels do not have: a 400 naming each
// unknown value (and the county's own, bounded) at submission, nothing queued — never a job that finds
// nothing. County scoping comes first: a county the caller cannot see stays a 404. Also: the sale-date
// tolerance setting of the import.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { PARCEL_COLUMNS } from '../../src/counties/parcel-columns.js';
import { csv, parcel } from '../support/parcel-csv.js';
import { createTestApp, type HttpResponse, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const admin = authHeader({ role: 'admin', counties: ['*'] });
const smallOnly = authHeader({ role: 'admin', sub: 'small-only', counties: ['small'] });

const SMALL_NEIGHBORHOODS = '(known: "Eastside", "Northgate", "Old Town, East")';
const SMALL_CLASSES = '(known: "commercial", "residential")';

/** The run bodies of the modules whose requests name neighborhoods or property classes. */
const RUNS = {
  valuation: (extra: Record<string, unknown>) => ({ county_id: 'small', tax_year: 2025, ...extra }),
  'market-analysis': (extra: Record<string, unknown>) => ({
    county_id: 'small',
    analysis_type: 'price_trend',
    ...extra,
  }),
  'gis-export': (extra: Record<string, unknown>) => ({ county_id: 'small', export_format: 'geojson', ...extra }),
};
type Module = keyof typeof RUNS;

function expectUnknownNames(res: HttpResponse, errors: { field: string; message: string }[]): void {
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ status: 400, type: expect.stringMatching(/validation-failed$/) });
  expect(body.errors).toEqual(errors);
  expect(body.detail).toBe(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
}

describe('job requests naming neighborhoods and property classes (e2e)', () => {
  let t: TestApp;
  const run = (module: Module, body: Record<string, unknown>, headers = admin) =>
    t.request('POST', `/api/v1/${module}/run`, { headers, body });
  const queued = async () =>
    (
      await t.db.query<{ jobs: number; entries: number }>(
        `SELECT (SELECT count(*) FROM jobs)::int AS jobs,
                (SELECT count(*) FROM pgboss.job WHERE name LIKE 'tf-%')::int AS entries`,
      )
    ).rows[0];

  beforeAll(async () => {
    // Workers off: an accepted job stays queued, a refused one must leave no trace.
    t = await createTestApp({
      JOBS_WORKERS_ENABLED: 'false',
      RATE_LIMIT_ENABLED: 'false',
      IMPORT_SALE_DATE_TOLERANCE_DAYS: '2',
    });
    for (const [county, name] of [
      ['small', 'Small'],
      ['empty', 'Empty'],
    ]) {
      expect((await t.request('PUT', `/api/v1/counties/${county}`, { headers: admin, body: { name } })).status).toBe(
        201,
      );
    }
    const rows = [
      parcel(1, { neighborhood: 'Northgate' }),
      parcel(2, { neighborhood: 'Old Town, East' }),
      parcel(3, { neighborhood: 'Eastside', property_class: 'commercial' }),
      parcel(4, { neighborhood: 'Northgate' }),
    ];
    const imported = await t.request('POST', '/api/v1/counties/small/parcels/import', {
      headers: { ...admin, 'content-type': 'text/csv' },
      body: csv(PARCEL_COLUMNS, rows),
    });
    expect(imported.json()).toMatchObject({ inserted: 4, rejected: 0 });
    await loadDemoCounty(t.db, { countyId: 'big', parcels: 400, seed: 3 });
  });

  afterAll(async () => {
    await t?.close();
  });

  it.each(Object.keys(RUNS) as Module[])(
    '%s: an unknown neighborhood is a 400 naming it and the known ones; nothing is queued',
    async (module) => {
      const before = await queued();
      const res = await run(module, RUNS[module]({ neighborhoods: ['Northgate', 'Nowhere'] }));
      expectUnknownNames(res, [
        {
          field: 'neighborhoods',
          message: `"Nowhere" is not a neighborhood of county small ${SMALL_NEIGHBORHOODS}`,
        },
      ]);
      expect(await queued()).toEqual(before);
    },
  );

  it('names every unknown value, exactly as sent (case and blanks count), in the order sent', async () => {
    const res = await run('valuation', RUNS.valuation({ neighborhoods: ['northgate', 'Eastside', 'Eastside '] }));
    expectUnknownNames(res, [
      {
        field: 'neighborhoods',
        message: `"northgate", "Eastside " are not neighborhoods of county small ${SMALL_NEIGHBORHOODS}`,
      },
    ]);
  });

  it('a property class no parcel of the county has is refused too, by field', async () => {
    const before = await queued();
    expectUnknownNames(await run('market-analysis', RUNS['market-analysis']({ property_class: 'agricultural' })), [
      { field: 'property_class', message: `"agricultural" is not a property class of county small ${SMALL_CLASSES}` },
    ]);
    expectUnknownNames(
      await run(
        'gis-export',
        RUNS['gis-export']({ neighborhoods: ['Atlantis'], property_classes: ['residential', 'industrial', 'vacant'] }),
      ),
      [
        { field: 'neighborhoods', message: `"Atlantis" is not a neighborhood of county small ${SMALL_NEIGHBORHOODS}` },
        {
          field: 'property_classes',
          message: `"industrial", "vacant" are not property classes of county small ${SMALL_CLASSES}`,
        },
      ],
    );
    expect(await queued()).toEqual(before);
  });

  it('names the county has are accepted and queued, in every module', async () => {
    const before = await queued();
    const accepted = [
      await run('valuation', RUNS.valuation({ neighborhoods: ['Old Town, East'] })),
      await run(
        'market-analysis',
        RUNS['market-analysis']({ neighborhoods: ['Eastside', 'Northgate'], property_class: 'residential' }),
      ),
      await run('gis-export', RUNS['gis-export']({ neighborhoods: ['Eastside'], property_classes: ['commercial'] })),
      await run('gis-export', RUNS['gis-export']({})),
    ];
    expect(accepted.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    expect(await queued()).toEqual({ jobs: before.jobs + 4, entries: before.entries + 4 });
  });

  it('a county without parcels says so', async () => {
    expectUnknownNames(await run('gis-export', { county_id: 'empty', export_format: 'csv', neighborhoods: ['A'] }), [
      { field: 'neighborhoods', message: '"A" is not a neighborhood of county empty (the county has no parcels yet)' },
    ]);
  });

  it('keeps the message bounded: 10 unknown and 20 known names, then how many more', async () => {
    const known = (
      await t.db.query<{ n: string }>(
        `SELECT DISTINCT neighborhood AS n FROM parcels WHERE county_id = 'big' ORDER BY neighborhood`,
      )
    ).rows.map((r) => r.n);
    expect(known.length).toBeGreaterThan(20);
    const unknown = Array.from({ length: 13 }, (_, i) => `Nowhere ${i + 1}`);
    const res = await run('valuation', { county_id: 'big', tax_year: 2025, neighborhoods: [known[0], ...unknown] });
    const quoted = (names: string[]) => names.map((n) => JSON.stringify(n)).join(', ');
    expectUnknownNames(res, [
      {
        field: 'neighborhoods',
        message:
          `${quoted(unknown.slice(0, 10))} and 3 more are not neighborhoods of county big ` +
          `(known: ${quoted(known.slice(0, 20))} and ${known.length - 20} more)`,
      },
    ]);
  });

  it('county scoping comes first: an unknown or foreign county is a 404, whatever it names', async () => {
    const before = await queued();
    for (const [county, headers] of [
      ['big', smallOnly],
      ['nosuch', admin],
    ] as const) {
      const res = await run(
        'gis-export',
        { county_id: county, export_format: 'csv', neighborhoods: ['Nowhere'] },
        headers,
      );
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.json().errors).toBeUndefined();
    }
    expect(await queued()).toEqual(before);
  });

  it('the sale-date tolerance (IMPORT_SALE_DATE_TOLERANCE_DAYS=2) takes sales up to two days ahead', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const res = await t.request('POST', '/api/v1/counties/small/sales/import', {
      headers: { ...admin, 'content-type': 'text/csv' },
      body: csv(
        ['parcel_id', 'sale_date', 'sale_price', 'is_valid', 'validity_code', 'deed_type'],
        [
          { parcel_id: 'P-00001', sale_date: day(2), sale_price: 300000, is_valid: 'true' },
          { parcel_id: 'P-00002', sale_date: day(3), sale_price: 300000, is_valid: 'true' },
        ],
      ),
    });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ rows_read: 2, inserted: 1, rejected: 1 });
    expect(res.json().rejected_rows).toEqual([
      {
        line: 3,
        parcel_id: 'P-00002',
        errors: [
          {
            field: 'sale_date',
            message: `must not be later than ${day(2)} (today, UTC, ${day(0)}, plus 2 days of tolerance): a sale is imported once it has taken place (got '${day(3)}')`,
          },
        ],
      },
    ]);
  });
});
