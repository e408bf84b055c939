// The set-wise parcel CSV import (COPY + validation in SQL) against the row rules of row-validators.ts:
// every row of a file of awkward values must come out as validateParcelRow says — stored with the same
// values, or rejected with the same messages in the same order. Plain values take a shorter SQL path than
// special ones (see CsvFramer.specialRecords), decided per column: no special value, a few (tested per
// row), or most (full checks throughout). The files are built to exercise each.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvFramer } from '../../src/counties/import/csv-framer.js';
import { parcelsSpec } from '../../src/counties/import/import-formats.js';
import { validateParcelRow } from '../../src/counties/import/row-validators.js';
import { planSpecialValues } from '../../src/counties/import/sql-import.js';
import { PARCEL_COLUMNS } from '../../src/counties/parcel-columns.js';
import { csvCell, parcelFields, sender } from '../support/parcel-csv.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const BASE = '/api/v1/counties';
const AUTH = authHeader({ role: 'admin' });

type Fields = Record<string, string>;

/** Values that are plain as they stand (printable ASCII, no blank at an edge, no `0x`). */
const PLAIN_CASES: Fields[] = [
  {},
  { property_class: 'COMMERCIAL' },
  { property_class: 'castle' },
  { land_sqft: '1e3', building_sqft: '.5', bathrooms: '5.' },
  { land_sqft: '+5', year_built: '1994.0' },
  { land_sqft: '1e400' },
  { land_sqft: '1e-400' },
  { land_sqft: 'NaN', building_sqft: 'Infinity', bathrooms: '-Infinity' },
  { land_sqft: '-5', quality: '11', bedrooms: '2.5' },
  { year_built: '1994.5', condition: 'x' },
  { lon: '200', lat: '-91' },
  { lon: '', lat: '47.6' },
  { lon: '', lat: '' },
  { lon: '-122.30000000000001', lat: '47.600000000000001' },
  { situs_address: '"quoted", with commas' },
  { situs_address: '' },
  { neighborhood: '' },
  { land_sqft: '1x0', building_sqft: '12abc' },
  { land_sqft: '12345678901234567890123', building_sqft: '0.000000000000000000000000001' },
  { situs_address: 'x'.repeat(501) },
];

/** Values that make a record special: blanks at edges, Unicode blanks, control characters, non-ASCII, hex. */
const SPECIAL_CASES: Fields[] = [
  { parcel_id: ' {id} ' },
  { parcel_id: '\u00a0{id}\u3000' },
  { parcel_id: '{id}\tx' },
  { parcel_id: '{id}\u0001' },
  { parcel_id: '{id}-0x5' },
  { parcel_id: '{id}-Ña' },
  { neighborhood: '  NB ' },
  { neighborhood: ' NB, quoted ' },
  { neighborhood: 'NB\u0007' },
  { neighborhood: '\ufeffNB' },
  { property_class: ' Residential ' },
  { land_sqft: '0x10' },
  { land_sqft: ' 7200 ', building_sqft: '\u00a01850' },
  { year_built: '0X7D0' },
  { bathrooms: ' 2.5\t' },
  { situs_address: 'a\nb' },
  { situs_address: 'Line\u007f' },
  { situs_address: '   ' },
  { situs_address: ' "quoted" ' },
  { lon: ' -122.3 ', lat: '47.6 ' },
  { lat: '\u200047.6' },
  { land_sqft: '1e400 ' },
  { land_sqft: ' ', lon: '\u3000', lat: '' },
];

interface Case {
  fields: Fields;
  line: number;
}

/** Rows as CSV (quoted only where a comma, quote or line break needs it), with each row's file line. */
function toCsv(all: Fields[]): { csv: string; rows: Case[] } {
  const lines = [PARCEL_COLUMNS.join(',')];
  const rows: Case[] = [];
  let line = 2;
  for (const fields of all) {
    const record = PARCEL_COLUMNS.map((c) => csvCell(fields[c])).join(',');
    lines.push(record);
    rows.push({ fields, line });
    line += 1 + (record.match(/\n/g)?.length ?? 0);
  }
  return { csv: lines.join('\n') + '\n', rows };
}

/** Rows from `cases`, each with its own parcel id (`{id}` in a value stands for it). */
function buildFile(prefix: string, cases: Fields[]): { csv: string; rows: Case[] } {
  return toCsv(
    cases.map((overrides, i) => {
      const id = `${prefix}-${String(i).padStart(4, '0')}`;
      return parcelFields(
        id,
        i,
        Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, v.replace('{id}', id)])),
      );
    }),
  );
}

/** How the import will read each column of `csv`: 'none', 'some' or 'all' of its values special. */
async function columnModes(csv: string): Promise<Record<string, string>> {
  const framer = new CsvFramer(parcelsSpec);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await pipeline(Readable.from([Buffer.from(csv)]), framer, sink);
  const { special } = planSpecialValues(PARCEL_COLUMNS, framer.specialRecords(), framer.stats.forwarded);
  return Object.fromEntries(PARCEL_COLUMNS.map((c) => [c, special(c).mode]));
}

/** `cases` with every value of `columns` padded with blanks, unless the case sets it. */
const padded = (cases: Fields[], columns: string[]): Fields[] =>
  cases.map((c, i) => ({ ...Object.fromEntries(columns.map((k) => [k, ` ${parcelFields('x', i)[k]} `])), ...c }));

describe('Parcel CSV import follows the row rules', () => {
  let t: TestApp;

  const send = sender(() => t, AUTH);

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** Imports `csv` into a new county, compares every row with validateParcelRow, then re-imports it. */
  async function importAndCompare(county: string, csv: string, rows: Case[]): Promise<void> {
    expect((await send('PUT', `${BASE}/${county}`, { name: county })).status).toBe(201);
    const res = await send('POST', `${BASE}/${county}/parcels/import`, csv, 'text/csv');
    expect(res.status).toBe(200);
    const expected = rows.map((r) => ({ ...r, outcome: validateParcelRow(r.fields) }));
    const valid = expected.filter((r) => r.outcome.row);
    const rejected = expected.filter((r) => r.outcome.errors);
    expect(rejected.length).toBeLessThan(100); // all of them are listed
    expect(res.json()).toMatchObject({ rows_read: rows.length, inserted: valid.length, rejected: rejected.length });
    expect(
      res.json().rejected_rows.map((r: { line: number; errors: unknown }) => ({ line: r.line, errors: r.errors })),
    ).toEqual(rejected.map((r) => ({ line: r.line, errors: r.outcome.errors })));

    const { rows: stored } = await t.db.query(
      `SELECT parcel_id, neighborhood, property_class, land_sqft, building_sqft, year_built, quality, condition,
              bedrooms, bathrooms, situs_address, lon, lat, geometry
         FROM parcels WHERE county_id = $1 ORDER BY parcel_id COLLATE "C"`,
      [county],
    );
    const want = valid
      .map((r) => r.outcome.row!)
      .sort((a, b) => (a.parcel_id < b.parcel_id ? -1 : a.parcel_id > b.parcel_id ? 1 : 0));
    expect(stored).toEqual(want);

    const again = await send('POST', `${BASE}/${county}/parcels/import`, csv, 'text/csv');
    expect(again.json()).toMatchObject({ inserted: 0, updated: 0, unchanged: valid.length, rejected: rejected.length });
  }

  it('plain records only', async () => {
    const { csv, rows } = buildFile('PL', PLAIN_CASES);
    expect(new Set(Object.values(await columnModes(csv)))).toEqual(new Set(['none']));
    await importAndCompare('rules-plain', csv, rows);
  });

  it('a few special records among many plain ones', async () => {
    const filler = Array.from({ length: 3 * SPECIAL_CASES.length }, () => ({}));
    const { csv, rows } = buildFile('MX', [...PLAIN_CASES, ...SPECIAL_CASES, ...filler]);
    expect(await columnModes(csv)).toMatchObject({ parcel_id: 'some', land_sqft: 'some', situs_address: 'some' });
    await importAndCompare('rules-mixed', csv, rows);
  });

  it('special records only', async () => {
    const { csv, rows } = buildFile('SP', SPECIAL_CASES);
    expect(await columnModes(csv)).toMatchObject({ parcel_id: 'some', quality: 'none' });
    await importAndCompare('rules-special', csv, rows);
  });

  it('columns whose values are mostly special, beside columns with a few or none', async () => {
    const { csv, rows } = buildFile('PD', padded([...PLAIN_CASES, ...SPECIAL_CASES], ['situs_address', 'lon', 'lat']));
    expect(await columnModes(csv)).toMatchObject({
      situs_address: 'all',
      lon: 'all',
      lat: 'all',
      parcel_id: 'some',
      quality: 'none',
    });
    await importAndCompare('rules-padded', csv, rows);
  });

  it("a county's first import with a key twice in the file: the last row wins", async () => {
    expect((await send('PUT', `${BASE}/rules-dup`, { name: 'dup' })).status).toBe(201);
    const { csv } = toCsv([
      parcelFields('DUP-1', 1),
      parcelFields('DUP-2', 2, { neighborhood: 'first' }),
      parcelFields('DUP-3', 3),
      parcelFields('DUP-2', 4, { neighborhood: 'last' }),
    ]);
    const res = await send('POST', `${BASE}/rules-dup/parcels/import`, csv, 'text/csv');
    expect(res.json()).toMatchObject({ rows_read: 4, inserted: 3, superseded: 1, rejected: 0 });
    const { rows } = await t.db.query(
      `SELECT parcel_id, neighborhood FROM parcels WHERE county_id = 'rules-dup' ORDER BY parcel_id`,
    );
    expect(rows).toEqual([
      { parcel_id: 'DUP-1', neighborhood: 'NB-1' },
      { parcel_id: 'DUP-2', neighborhood: 'last' },
      { parcel_id: 'DUP-3', neighborhood: 'NB-0' },
    ]);
  });
});
