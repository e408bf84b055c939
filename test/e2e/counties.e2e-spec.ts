import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import { PARCEL_COLUMNS } from '../../src/counties/parcel-columns.js';
import { csv, parcel, sender, type ParcelRow } from '../support/parcel-csv.js';
import { createTestApp, type HttpResponse, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const BASE = '/api/v1/counties';
const AUTH = authHeader({ role: 'admin' });
const IMPORT_MAX_BYTES = 200_000;

const parcelsCsv = (rows: ParcelRow[], columns = PARCEL_COLUMNS) => csv(columns, rows);

describe('County data', () => {
  let t: TestApp;

  const send = sender(() => t, AUTH);
  const importFile = (county: string, kind: string, body: string, contentType = 'text/csv') =>
    send('POST', `${BASE}/${county}/${kind}/import`, body, contentType);
  const parcelRows = async (county = 'alpha') =>
    (
      await t.db.query(
        `SELECT parcel_id, neighborhood, property_class, land_sqft, building_sqft, year_built, quality, condition,
                bedrooms, bathrooms, situs_address, lon, lat, geometry
           FROM parcels WHERE county_id = $1 ORDER BY parcel_id`,
        [county],
      )
    ).rows;

  beforeAll(async () => {
    t = await createTestApp({ IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES) });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('counties', () => {
    it('creates a county with 201 and Location, then updates it with 200', async () => {
      const created = await send('PUT', `${BASE}/alpha`, { name: 'Alpha County', state: 'WA' });
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`${BASE}/alpha`);
      expect(created.json()).toMatchObject({ county_id: 'alpha', name: 'Alpha County', state: 'WA' });

      const updated = await send('PUT', `${BASE}/alpha`, { name: 'Alpha', state: 'WA' });
      expect(updated.status).toBe(200);
      expect(updated.json()).toMatchObject({ county_id: 'alpha', name: 'Alpha', state: 'WA' });
      const { rows } = await t.db.query('SELECT id, name, state FROM counties');
      expect(rows).toEqual([{ id: 'alpha', name: 'Alpha', state: 'WA' }]);
    });

    it('refuses a county_id that is not a slug and an invalid body with 400', async () => {
      const bad = await send('PUT', `${BASE}/Bad%20Id`, { name: 'x' });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(bad.json().errors).toEqual([{ field: 'county_id', message: expect.stringMatching(/^must be a slug/) }]);

      const noName = await send('PUT', `${BASE}/beta`, { state: 'OR' });
      expect(noName.status).toBe(400);
      expect(noName.json().errors.map((e: { field: string }) => e.field)).toContain('name');
      const extra = await send('PUT', `${BASE}/beta`, { name: 'B', color: 'red' });
      expect(extra.status).toBe(400);
      expect(extra.json().errors).toEqual([{ field: 'color', message: 'is not an allowed field' }]);
      expect((await t.db.query(`SELECT 1 FROM counties WHERE id = 'beta'`)).rowCount).toBe(0);
    });
  });

  describe('parcel import (CSV)', () => {
    const five = [1, 2, 3, 4, 5].map((i) => parcel(i));

    it('imports parcels, stores a Point at lon/lat and answers the counts', async () => {
      const res = await importFile('alpha', 'parcels', parcelsCsv(five));
      expect(res.status).toBe(200);
      const body = res.json();
      expect(body).toEqual({
        county_id: 'alpha',
        kind: 'parcels',
        format: 'csv',
        rows_read: 5,
        inserted: 5,
        updated: 0,
        unchanged: 0,
        superseded: 0,
        rejected: 0,
        rejected_rows: [],
        duration_ms: expect.any(Number),
      });
      const rows = await parcelRows();
      expect(rows).toHaveLength(5);
      expect(rows[0]).toEqual({
        parcel_id: 'P-00001',
        neighborhood: 'NB-1',
        property_class: 'residential',
        land_sqft: 5001,
        building_sqft: 1201,
        year_built: 1951,
        quality: 2,
        condition: 2,
        bedrooms: 2,
        bathrooms: 1.5,
        situs_address: '101 Main St',
        lon: parcel(1).lon,
        lat: parcel(1).lat,
        geometry: { type: 'Point', coordinates: [parcel(1).lon, parcel(1).lat] },
      });
    });

    it('a re-import of the same file changes nothing', async () => {
      const before = await t.db.query(`SELECT parcel_id, updated_at FROM parcels ORDER BY parcel_id`);
      const res = await importFile('alpha', 'parcels', parcelsCsv(five));
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ rows_read: 5, inserted: 0, updated: 0, unchanged: 5, rejected: 0 });
      const after = await t.db.query(`SELECT parcel_id, updated_at FROM parcels ORDER BY parcel_id`);
      expect(after.rows).toEqual(before.rows);
    });

    it('one changed row is one update; columns may come in any order and any case', async () => {
      const columns = [...PARCEL_COLUMNS].reverse();
      const changed = five.map((p) => (p.parcel_id === 'P-00003' ? { ...p, building_sqft: 2222 } : p));
      const body = csv(columns, changed).replace(/^lat,lon/, 'LAT, Lon');
      const res = await importFile('alpha', 'parcels', body);
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ rows_read: 5, inserted: 0, updated: 1, unchanged: 4, rejected: 0 });
      const { rows } = await t.db.query(`SELECT building_sqft FROM parcels WHERE parcel_id = 'P-00003'`);
      expect(rows[0].building_sqft).toBe(2222);
    });

    it('names each bad row by line with reasons while the good rows land', async () => {
      const rows = [
        parcel(10),
        parcel(11, { property_class: 'castle' }),
        parcel(12, { year_built: 'old', lon: 200 }),
        parcel(13),
        parcel(14, { parcel_id: '' }),
        parcel(15, { geometry_wkt: 'POLYGON ((0 0, 1 0, 1 1))', lon: '', lat: '' }),
        parcel(16, { geometry_wkt: 'POLYGON ((-122 47, -121 47, -121 48, -122 48, -122 47))', lon: '', lat: '' }),
      ];
      const body = csv([...PARCEL_COLUMNS, 'geometry_wkt'], rows) + 'P-00017,NB-1,vacant\n';
      const res = await importFile('alpha', 'parcels', body);
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ rows_read: 8, inserted: 3, updated: 0, unchanged: 0, rejected: 5 });
      expect(res.json().rejected_rows).toEqual([
        {
          line: 3,
          parcel_id: 'P-00011',
          errors: [
            {
              field: 'property_class',
              message: "must be one of residential, commercial, industrial, agricultural, vacant (got 'castle')",
            },
          ],
        },
        {
          line: 4,
          parcel_id: 'P-00012',
          errors: [
            { field: 'year_built', message: "must be a whole number (got 'old')" },
            { field: 'lon', message: "must be between -180 and 180 (got '200')" },
          ],
        },
        { line: 6, errors: [{ field: 'parcel_id', message: 'is required' }] },
        {
          line: 7,
          parcel_id: 'P-00015',
          errors: [{ field: 'geometry_wkt', message: 'has a ring with fewer than 4 positions' }],
        },
        { line: 9, parcel_id: 'P-00017', errors: [{ field: 'row', message: 'has 3 fields but the header has 14' }] },
      ]);
      const stored = await t.db.query(
        `SELECT parcel_id, geometry, lon, lat FROM parcels WHERE parcel_id IN ('P-00010','P-00013','P-00016') ORDER BY 1`,
      );
      expect(stored.rows.map((r) => r.parcel_id)).toEqual(['P-00010', 'P-00013', 'P-00016']);
      expect(stored.rows[2]).toEqual({
        parcel_id: 'P-00016',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [-122, 47],
              [-121, 47],
              [-121, 48],
              [-122, 48],
              [-122, 47],
            ],
          ],
        },
        lon: -121.5,
        lat: 47.5,
      });
    });

    it('still answers 200 with counts when every row is rejected', async () => {
      const res = await importFile('alpha', 'parcels', parcelsCsv([parcel(20, { property_class: 'x' })]));
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ rows_read: 1, inserted: 0, rejected: 1 });
    });

    it('the last valid row of a key wins within one file', async () => {
      const res = await importFile(
        'alpha',
        'parcels',
        parcelsCsv([parcel(21, { neighborhood: 'first' }), parcel(21, { neighborhood: 'second' })]),
      );
      expect(res.json()).toMatchObject({ rows_read: 2, inserted: 1, superseded: 1, rejected: 0 });
      const { rows } = await t.db.query(`SELECT neighborhood FROM parcels WHERE parcel_id = 'P-00021'`);
      expect(rows).toEqual([{ neighborhood: 'second' }]);
    });

    it('accepts a BOM, CRLF line ends and quoted values with commas', async () => {
      const body = '\ufeff' + parcelsCsv([parcel(22, { situs_address: '1 A St, Unit "B"' })]).replace(/\n/g, '\r\n');
      const res = await importFile('alpha', 'parcels', body, 'text/csv; charset=utf-8');
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ inserted: 1, rejected: 0 });
      const { rows } = await t.db.query(`SELECT situs_address FROM parcels WHERE parcel_id = 'P-00022'`);
      expect(rows).toEqual([{ situs_address: '1 A St, Unit "B"' }]);
    });
  });

  describe('import refusals', () => {
    const expectProblem = (res: HttpResponse, status: number) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      return res.json();
    };

    it('names unknown columns with 400 and changes nothing', async () => {
      const before = await parcelRows();
      const body = csv([...PARCEL_COLUMNS, 'color', 'zoning'], [parcel(1, { neighborhood: 'changed' })]);
      const problem = expectProblem(await importFile('alpha', 'parcels', body), 400);
      expect(problem.detail).toBe('The header has unknown columns: color, zoning.');
      expect(problem.errors).toEqual([
        { field: 'color', message: 'is not a known column' },
        { field: 'zoning', message: 'is not a known column' },
      ]);
      expect(await parcelRows()).toEqual(before);
    });

    it('names missing required columns with 400', async () => {
      const columns = PARCEL_COLUMNS.filter((c) => c !== 'lat' && c !== 'quality');
      const problem = expectProblem(await importFile('alpha', 'parcels', csv(columns, [parcel(1)])), 400);
      expect(problem.detail).toBe('The header lacks required columns: quality, lat.');
    });

    it('refuses an empty file and a header without rows with 400', async () => {
      const empty = expectProblem(await importFile('alpha', 'parcels', ''), 400);
      expect(empty.detail).toBe('The file is empty: expected a header row.');
      const headerOnly = expectProblem(await importFile('alpha', 'parcels', PARCEL_COLUMNS.join(',') + '\n'), 400);
      expect(headerOnly.detail).toBe('The file has no data rows.');
    });

    it('refuses a malformed CSV with 400', async () => {
      const body = parcelsCsv([parcel(1)]) + 'P-9,"unterminated,residential\n';
      const problem = expectProblem(await importFile('alpha', 'parcels', body), 400);
      expect(problem.detail).toMatch(/^The CSV is malformed near line 3: Quote Not Closed/);
    });

    it('answers a wrong content type with 415', async () => {
      const json = expectProblem(await send('POST', `${BASE}/alpha/parcels/import`, { a: 1 }), 415);
      expect(json.detail).toBe(
        'This import takes the file as the raw request body with Content-Type text/csv or application/geo+json (UTF-8); got application/json.',
      );
      expectProblem(await importFile('alpha', 'parcels', 'x', 'text/plain'), 415);
      expectProblem(await importFile('alpha', 'sales', '{}', 'application/geo+json'), 415);
      expectProblem(await importFile('alpha', 'parcels', parcelsCsv([parcel(1)]), 'text/csv; charset=latin1'), 415);
      expectProblem(await send('POST', `${BASE}/alpha/parcels/import`), 415);
    });

    it('answers an unknown county with 404 and an invalid county id with 400', async () => {
      const problem = expectProblem(await importFile('nowhere', 'parcels', parcelsCsv([parcel(1)])), 404);
      expect(problem.detail).toBe("County 'nowhere' does not exist.");
      expectProblem(await importFile('NOPE!', 'parcels', parcelsCsv([parcel(1)])), 400);
      expect((await t.db.query(`SELECT 1 FROM parcels WHERE county_id = 'nowhere'`)).rowCount).toBe(0);
    });

    it('answers a file over IMPORT_MAX_BYTES with 413, by Content-Length or while streaming', async () => {
      const rows = Array.from({ length: 2500 }, (_, i) => parcel(1000 + i));
      const body = parcelsCsv(rows);
      expect(body.length).toBeGreaterThan(IMPORT_MAX_BYTES);
      const declared = expectProblem(await importFile('alpha', 'parcels', body), 413);
      expect(declared.limit_bytes).toBe(IMPORT_MAX_BYTES);

      const streamed = await rawUpload(t.baseUrl, `${BASE}/alpha/parcels/import`, [Buffer.from(body)], {
        chunked: true,
      });
      expect(streamed.status).toBe(413);
      expect(JSON.parse(streamed.body).limit_bytes).toBe(IMPORT_MAX_BYTES);
      expect((await t.db.query(`SELECT 1 FROM parcels WHERE parcel_id = 'P-01000'`)).rowCount).toBe(0);
    });

    it('does not hand CSV bodies to routes that take JSON', async () => {
      const res = await send('PUT', `${BASE}/alpha`, 'name\nx\n', 'text/csv');
      expectProblem(res, 415);
    });
  });

  describe('failures midway leave the previous data intact', () => {
    it('a database failure after some rows rolls the whole file back (500, nothing changed)', async () => {
      await t.db.query(`
        CREATE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.parcel_id = 'BOOM' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER test_refuse_boom BEFORE INSERT OR UPDATE ON parcels
          FOR EACH ROW EXECUTE FUNCTION test_refuse_boom();`);
      try {
        const before = await parcelRows();
        // Changes to existing parcels and new parcels sort before and after the failing row.
        const rows = [
          parcel(1, { neighborhood: 'changed' }),
          parcel(2, { neighborhood: 'changed' }),
          parcel(900),
          parcel(0, { parcel_id: 'BOOM' }),
          parcel(901, { parcel_id: 'ZZZ-NEW' }),
        ];
        const res = await importFile('alpha', 'parcels', parcelsCsv(rows));
        expect(res.status).toBe(500);
        expect(res.json()).toMatchObject({
          type: 'https://terrafusion.dev/problems/import-failed',
          detail:
            'The import failed in the database and was rolled back; no data changed. Quote the request_id when reporting it.',
        });
        expect(res.text).not.toMatch(/refused by test trigger/);
        expect(await parcelRows()).toEqual(before);
      } finally {
        await t.db.query(`DROP TRIGGER test_refuse_boom ON parcels; DROP FUNCTION test_refuse_boom();`);
      }
    });

    it('an upload the client aborts changes nothing, and the next import works', async () => {
      const before = await parcelRows();
      const head = parcelsCsv([parcel(1, { neighborhood: 'aborted' }), parcel(950)]);
      const aborted = abortedUpload(t.baseUrl, `${BASE}/alpha/parcels/import`, head);
      // Wait until the server is copying this upload, then cut it off.
      await waitFor(async () => (await activeCopies(t)) === 1);
      (await aborted).destroy();
      await waitFor(async () => (await activeCopies(t)) === 0 && (await idleInTransaction(t)) === 0);
      expect(await parcelRows()).toEqual(before);

      const next = await importFile('alpha', 'parcels', parcelsCsv([parcel(951)]));
      expect(next.status).toBe(200);
      expect(next.json()).toMatchObject({ inserted: 1 });
    });
  });

  describe('parcel import (GeoJSON)', () => {
    const feature = (props: ParcelRow, geometry: unknown) => ({ type: 'Feature', properties: props, geometry });
    const collection = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });
    const geo = (body: string) => importFile('alpha', 'parcels', body, 'application/geo+json');

    it('imports polygons, multipolygons and points; a re-import changes nothing', async () => {
      const square = [
        [
          [-120, 45],
          [-119, 45],
          [-119, 46],
          [-120, 46],
          [-120, 45],
        ],
      ];
      const { lon: _lon, lat: _lat, ...withoutLocation } = parcel(300, { parcel_id: 'G-1' });
      const body = collection([
        feature(withoutLocation, { type: 'Polygon', coordinates: square }),
        feature(
          { parcel_id: 'G-2', neighborhood: 'G', property_class: 'vacant' },
          { type: 'MultiPolygon', coordinates: [square] },
        ),
        feature({ parcel_id: 'G-3', neighborhood: 'G', property_class: 'industrial', lon: -121, lat: 44 }, null),
        feature(
          { parcel_id: 'G-4', neighborhood: 'G', property_class: 'vacant' },
          { type: 'LineString', coordinates: [] },
        ),
        feature({ parcel_id: 'G-5', neighborhood: 'G', property_class: 'vacant' }, null),
      ]);
      const res = await geo(body);
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ format: 'geojson', rows_read: 5, inserted: 3, rejected: 2 });
      expect(res.json().rejected_rows).toEqual([
        {
          line: 4,
          parcel_id: 'G-4',
          errors: [
            {
              field: 'geometry',
              message: 'type "LineString" is not supported: expected Point, Polygon or MultiPolygon',
            },
          ],
        },
        {
          line: 5,
          parcel_id: 'G-5',
          errors: [
            { field: 'lon', message: 'is required when the feature has no geometry' },
            { field: 'lat', message: 'is required when the feature has no geometry' },
          ],
        },
      ]);
      const { rows } = await t.db.query(
        `SELECT parcel_id, geometry->>'type' AS type, lon, lat, land_sqft FROM parcels WHERE parcel_id LIKE 'G-%' ORDER BY 1`,
      );
      expect(rows).toEqual([
        { parcel_id: 'G-1', type: 'Polygon', lon: -119.5, lat: 45.5, land_sqft: 5300 },
        { parcel_id: 'G-2', type: 'MultiPolygon', lon: -119.5, lat: 45.5, land_sqft: null },
        { parcel_id: 'G-3', type: 'Point', lon: -121, lat: 44, land_sqft: null },
      ]);

      const again = await geo(body);
      expect(again.json()).toMatchObject({ rows_read: 5, inserted: 0, updated: 0, unchanged: 3, rejected: 2 });
    });

    it('refuses unknown properties, a document that is no FeatureCollection and invalid JSON with 400', async () => {
      const unknown = await geo(collection([feature({ parcel_id: 'G-9', OBJECTID: 1 }, null)]));
      expect(unknown.status).toBe(400);
      expect(unknown.json().detail).toBe('Feature 1 has unknown columns: OBJECTID.');

      const notCollection = await geo(JSON.stringify({ type: 'Feature', properties: {}, geometry: null }));
      expect(notCollection.status).toBe(400);
      expect(notCollection.json().detail).toBe(
        'The document must be a GeoJSON object with "type": "FeatureCollection".',
      );

      const broken = await geo('{"type": "FeatureCollection", "features": [');
      expect(broken.status).toBe(400);
      expect(broken.json().detail).toMatch(/^The GeoJSON is not valid JSON/);

      const empty = await geo(collection([]));
      expect(empty.status).toBe(400);
      expect(empty.json().detail).toBe('The file has no data rows.');
      expect((await t.db.query(`SELECT 1 FROM parcels WHERE parcel_id = 'G-9'`)).rowCount).toBe(0);
    });
  });

  describe('sales and assessments', () => {
    const SALE_COLUMNS = ['parcel_id', 'sale_date', 'sale_price', 'is_valid', 'validity_code', 'deed_type'];
    const ASSESSMENT_COLUMNS = ['parcel_id', 'tax_year', 'land_value', 'improvement_value', 'total_value'];

    it('imports sales; sales of unknown parcels and bad values are rejected with reasons', async () => {
      const body = csv(SALE_COLUMNS, [
        {
          parcel_id: 'P-00001',
          sale_date: '2023-04-01',
          sale_price: 350000,
          is_valid: 'true',
          validity_code: 'V',
          deed_type: 'WD',
        },
        {
          parcel_id: 'P-00001',
          sale_date: '2024-06-15',
          sale_price: '410000.50',
          is_valid: 'false',
          validity_code: 'X',
          deed_type: '',
        },
        { parcel_id: 'NOPE-1', sale_date: '2024-01-01', sale_price: 1000, is_valid: 'true' },
        { parcel_id: 'P-00002', sale_date: '2024-02-30', sale_price: -5, is_valid: 'maybe' },
        { parcel_id: 'P-00002', sale_date: '2022-12-01', sale_price: 299000, is_valid: 'TRUE' },
      ]);
      const res = await importFile('alpha', 'sales', body);
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ kind: 'sales', rows_read: 5, inserted: 3, updated: 0, rejected: 2 });
      expect(res.json().rejected_rows).toEqual([
        {
          line: 4,
          parcel_id: 'NOPE-1',
          errors: [{ field: 'parcel_id', message: "parcel 'NOPE-1' does not exist in county 'alpha'" }],
        },
        {
          line: 5,
          parcel_id: 'P-00002',
          errors: [
            { field: 'sale_date', message: "is not a calendar date (got '2024-02-30')" },
            {
              field: 'sale_price',
              message: "must be a plain decimal amount with at most 2 decimals, such as 250000 or 250000.50 (got '-5')",
            },
            { field: 'is_valid', message: "must be true or false (got 'maybe')" },
          ],
        },
      ]);
      const { rows } = await t.db.query(
        `SELECT parcel_id, sale_date::text, sale_price::text, is_valid, validity_code, deed_type FROM sales ORDER BY 1, 2`,
      );
      expect(rows).toEqual([
        {
          parcel_id: 'P-00001',
          sale_date: '2023-04-01',
          sale_price: '350000.00',
          is_valid: true,
          validity_code: 'V',
          deed_type: 'WD',
        },
        {
          parcel_id: 'P-00001',
          sale_date: '2024-06-15',
          sale_price: '410000.50',
          is_valid: false,
          validity_code: 'X',
          deed_type: null,
        },
        {
          parcel_id: 'P-00002',
          sale_date: '2022-12-01',
          sale_price: '299000.00',
          is_valid: true,
          validity_code: null,
          deed_type: null,
        },
      ]);

      const again = await importFile('alpha', 'sales', body);
      expect(again.json()).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, rejected: 2 });
    });

    it('a sales file of unknown parcels only is a 200 with every row rejected', async () => {
      const res = await importFile(
        'alpha',
        'sales',
        csv(SALE_COLUMNS, [{ parcel_id: 'NOPE-2', sale_date: '2024-01-01', sale_price: 1, is_valid: 'true' }]),
      );
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ rows_read: 1, inserted: 0, rejected: 1 });
    });

    it('imports assessed values per parcel and tax year, and updates a changed one', async () => {
      const values = [
        { parcel_id: 'P-00001', tax_year: 2024, land_value: 100000, improvement_value: 250000, total_value: 350000 },
        { parcel_id: 'P-00001', tax_year: 2025, land_value: 110000, improvement_value: 260000, total_value: 370000 },
        { parcel_id: 'P-00002', tax_year: 2025, land_value: 90000, improvement_value: 0, total_value: 90000 },
        { parcel_id: 'GHOST', tax_year: 2025, land_value: 1, improvement_value: 1, total_value: 2 },
        { parcel_id: 'P-00003', tax_year: 1850, land_value: 1, improvement_value: 1, total_value: 2 },
      ];
      const first = await importFile('alpha', 'assessments', csv(ASSESSMENT_COLUMNS, values));
      expect(first.status).toBe(200);
      expect(first.json()).toMatchObject({ kind: 'assessments', rows_read: 5, inserted: 3, rejected: 2 });
      expect(first.json().rejected_rows.map((r: { line: number }) => r.line)).toEqual([5, 6]);
      expect(first.json().rejected_rows[1].errors).toEqual([
        { field: 'tax_year', message: "must be between 1900 and 2100 (got '1850')" },
      ]);

      values[2] = { ...values[2], improvement_value: 5000, total_value: 95000 };
      const second = await importFile('alpha', 'assessments', csv(ASSESSMENT_COLUMNS, values));
      expect(second.json()).toMatchObject({ inserted: 0, updated: 1, unchanged: 2, rejected: 2 });
      const { rows } = await t.db.query(`SELECT parcel_id, tax_year, total_value::text FROM assessments ORDER BY 1, 2`);
      expect(rows).toEqual([
        { parcel_id: 'P-00001', tax_year: 2024, total_value: '350000.00' },
        { parcel_id: 'P-00001', tax_year: 2025, total_value: '370000.00' },
        { parcel_id: 'P-00002', tax_year: 2025, total_value: '95000.00' },
      ]);
    });
  });

  describe('reading parcels', () => {
    beforeAll(async () => {
      expect((await send('PUT', `${BASE}/paged`, { name: 'Paged' })).status).toBe(201);
      const rows = Array.from({ length: 250 }, (_, i) => parcel(i));
      const res = await importFile('paged', 'parcels', parcelsCsv(rows));
      expect(res.json()).toMatchObject({ inserted: 250 });
    });

    it('lists counties with their counts', async () => {
      const res = await send('GET', BASE);
      expect(res.status).toBe(200);
      const alpha = await t.db.query(`SELECT count(*)::int AS n FROM parcels WHERE county_id = 'alpha'`);
      expect(res.json().items).toEqual([
        {
          county_id: 'alpha',
          name: 'Alpha',
          state: 'WA',
          parcel_count: alpha.rows[0].n,
          sale_count: 3,
          assessment_count: 3,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
        {
          county_id: 'paged',
          name: 'Paged',
          state: null,
          parcel_count: 250,
          sale_count: 0,
          assessment_count: 0,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
      ]);
    });

    it('walks every parcel exactly once, in parcel_id order', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?limit=60${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await send('GET', `${BASE}/paged/parcels${query}`);
        expect(res.status).toBe(200);
        const page = res.json();
        expect(page.items.length).toBeLessThanOrEqual(60);
        seen.push(...page.items.map((p: { parcel_id: string }) => p.parcel_id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(5);
      expect(seen).toHaveLength(250);
      expect(new Set(seen).size).toBe(250);
      expect(seen).toEqual([...seen].sort());
    });

    it('filters by neighborhood and property class, defaulting to 100 per page', async () => {
      const all = await send('GET', `${BASE}/paged/parcels`);
      expect(all.json().items).toHaveLength(100);
      expect(typeof all.json().next_cursor).toBe('string');

      const res = await send('GET', `${BASE}/paged/parcels?neighborhood=NB-1&property_class=commercial&limit=1000`);
      const expected = Array.from({ length: 250 }, (_, i) => i).filter((i) => i % 3 === 1 && i % 5 === 0);
      expect(res.json().items.map((p: { parcel_id: string }) => p.parcel_id)).toEqual(
        expected.map((i) => `P-${String(i).padStart(5, '0')}`),
      );
      expect(res.json().next_cursor).toBeNull();
      expect(res.json().items[0]).toEqual({
        parcel_id: 'P-00010',
        neighborhood: 'NB-1',
        property_class: 'commercial',
        land_sqft: 5010,
        building_sqft: 1210,
        year_built: 1960,
        quality: 1,
        condition: 3,
        bedrooms: 3,
        bathrooms: 1.5,
        situs_address: '110 Main St',
        lon: parcel(10).lon,
        lat: parcel(10).lat,
        geometry: { type: 'Point', coordinates: [parcel(10).lon, parcel(10).lat] },
        updated_at: expect.any(String),
      });
    });

    it('refuses an invalid cursor, limit or class with 400 and an unknown county with 404', async () => {
      const cursor = await send('GET', `${BASE}/paged/parcels?cursor=bm90LWEtY3Vyc29y`);
      expect(cursor.status).toBe(400);
      expect(cursor.json().errors).toEqual([
        { field: 'cursor', message: 'is not a cursor this API issued; pass next_cursor from the previous page' },
      ]);
      expect((await send('GET', `${BASE}/paged/parcels?limit=0`)).status).toBe(400);
      expect((await send('GET', `${BASE}/paged/parcels?limit=1001`)).status).toBe(400);
      expect((await send('GET', `${BASE}/paged/parcels?property_class=castle`)).status).toBe(400);
      expect((await send('GET', `${BASE}/nowhere/parcels`)).status).toBe(404);
    });

    it('shows a parcel with its sales newest first and its values by tax year', async () => {
      const res = await send('GET', `${BASE}/alpha/parcels/P-00001`);
      expect(res.status).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ parcel_id: 'P-00001', neighborhood: 'NB-1', property_class: 'residential' });
      expect(body.sales).toEqual([
        { sale_date: '2024-06-15', sale_price: 410000.5, is_valid: false, validity_code: 'X', deed_type: null },
        { sale_date: '2023-04-01', sale_price: 350000, is_valid: true, validity_code: 'V', deed_type: 'WD' },
      ]);
      expect(body.values).toEqual([
        {
          tax_year: 2025,
          land_value: 110000,
          improvement_value: 260000,
          total_value: 370000,
          source: 'certified',
          job_id: null,
          adopted_at: null,
          certified: {
            land_value: 110000,
            improvement_value: 260000,
            total_value: 370000,
            imported_at: expect.any(String),
          },
        },
        {
          tax_year: 2024,
          land_value: 100000,
          improvement_value: 250000,
          total_value: 350000,
          source: 'certified',
          job_id: null,
          adopted_at: null,
          certified: {
            land_value: 100000,
            improvement_value: 250000,
            total_value: 350000,
            imported_at: expect.any(String),
          },
        },
      ]);
      const missing = await send('GET', `${BASE}/alpha/parcels/NOPE`);
      expect(missing.status).toBe(404);
      expect(missing.json().detail).toBe("Parcel 'NOPE' does not exist in county 'alpha'.");
    });
  });

  describe('permissions and county scope', () => {
    it('requires data:import to import and data:read to read', async () => {
      const viewer = authHeader({ role: 'viewer' });
      const imported = await t.request('POST', `${BASE}/alpha/parcels/import`, {
        headers: { ...viewer, 'content-type': 'text/csv' },
        body: parcelsCsv([parcel(1, { neighborhood: 'viewer' })]),
      });
      expect(imported.status).toBe(403);
      expect((await t.request('PUT', `${BASE}/alpha`, { headers: viewer, body: { name: 'x' } })).status).toBe(403);
      expect((await t.request('GET', `${BASE}/alpha/parcels/P-00001`, { headers: viewer })).status).toBe(200);
      const monitoring = authHeader({ role: 'monitoring' });
      expect((await t.request('GET', BASE, { headers: monitoring })).status).toBe(403);
      expect((await t.request('GET', BASE)).status).toBe(401);
      expect((await t.db.query(`SELECT 1 FROM parcels WHERE neighborhood = 'viewer'`)).rowCount).toBe(0);
    });

    it("treats a county outside the token's counties as unknown", async () => {
      const other = authHeader({ role: 'assessor', counties: ['paged'] });
      const imported = await t.request('POST', `${BASE}/alpha/parcels/import`, {
        headers: { ...other, 'content-type': 'text/csv' },
        body: parcelsCsv([parcel(1, { neighborhood: 'outsider' })]),
      });
      expect(imported.status).toBe(404);
      expect(imported.json().detail).toBe("County 'alpha' does not exist.");
      expect((await t.request('GET', `${BASE}/alpha/parcels`, { headers: other })).status).toBe(404);
      const list = await t.request('GET', BASE, { headers: other });
      expect(list.json().items.map((c: { county_id: string }) => c.county_id)).toEqual(['paged']);
      expect((await t.db.query(`SELECT 1 FROM parcels WHERE neighborhood = 'outsider'`)).rowCount).toBe(0);
    });
  });

  it('documents the routes in OpenAPI, imports with their media types and error responses', async () => {
    const doc = (await t.request('GET', '/docs/openapi.json')).json();
    const parcelsImport = doc.paths['/api/v1/counties/{county_id}/parcels/import'].post;
    expect(Object.keys(parcelsImport.requestBody.content)).toEqual(['text/csv', 'application/geo+json']);
    expect(Object.keys(parcelsImport.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '413', '415']),
    );
    expect(Object.keys(doc.paths['/api/v1/counties/{county_id}/sales/import'].post.requestBody.content)).toEqual([
      'text/csv',
    ]);
    expect(
      doc.paths['/api/v1/counties/{county_id}/parcels'].get.parameters.map((p: { name: string }) => p.name),
    ).toEqual(expect.arrayContaining(['county_id', 'neighborhood', 'property_class', 'limit', 'cursor']));
    expect(doc.components.schemas.ImportResultDto.required).toEqual(
      expect.arrayContaining(['rows_read', 'inserted', 'updated', 'unchanged', 'rejected', 'rejected_rows']),
    );
    expect(doc.components.schemas.PutCountyDto.properties.state).toMatchObject({ type: 'string', nullable: true });
  });

  // Rows that contradict the calendar or themselves (a county of their own, so the counts above stay put).
  describe('sales in the future and totals that are not land + improvements', () => {
    const SALE_COLUMNS = ['parcel_id', 'sale_date', 'sale_price', 'is_valid', 'validity_code', 'deed_type'];
    const ASSESSMENT_COLUMNS = ['parcel_id', 'tax_year', 'land_value', 'improvement_value', 'total_value'];

    beforeAll(async () => {
      expect((await send('PUT', `${BASE}/rules`, { name: 'Rules' })).status).toBe(201);
      const res = await importFile('rules', 'parcels', parcelsCsv([1, 2, 3, 4, 5].map((i) => parcel(i))));
      expect(res.json()).toMatchObject({ inserted: 5 });
    });

    const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

    it('rejects a sale dated after today (UTC) with its line, and stores the sales of today and before', async () => {
      const today = isoDay(0);
      const res = await importFile(
        'rules',
        'sales',
        csv(SALE_COLUMNS, [
          { parcel_id: 'P-00003', sale_date: today, sale_price: 250000, is_valid: 'true' },
          { parcel_id: 'P-00003', sale_date: '2099-01-01', sale_price: 990000, is_valid: 'true' },
          { parcel_id: 'P-00004', sale_date: isoDay(1), sale_price: 260000, is_valid: 'true' },
          { parcel_id: 'P-00004', sale_date: '2021-03-04', sale_price: 210000, is_valid: 'true' },
        ]),
      );
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ rows_read: 4, inserted: 2, rejected: 2 });
      const future = (date: string) => [
        {
          field: 'sale_date',
          message: `must not be later than ${today} (today, UTC): a sale is imported once it has taken place (got '${date}')`,
        },
      ];
      expect(res.json().rejected_rows).toEqual([
        { line: 3, parcel_id: 'P-00003', errors: future('2099-01-01') },
        { line: 4, parcel_id: 'P-00004', errors: future(isoDay(1)) },
      ]);
      const { rows } = await t.db.query(
        `SELECT parcel_id, sale_date::text FROM sales WHERE county_id = 'rules' AND parcel_id IN ('P-00003', 'P-00004') ORDER BY 1, 2`,
      );
      expect(rows).toEqual([
        { parcel_id: 'P-00003', sale_date: today },
        { parcel_id: 'P-00004', sale_date: '2021-03-04' },
      ]);
    });

    it('rejects an assessment whose total is not land + improvements, naming the three figures', async () => {
      const res = await importFile(
        'rules',
        'assessments',
        csv(ASSESSMENT_COLUMNS, [
          { parcel_id: 'P-00003', tax_year: 2023, land_value: 100000, improvement_value: 50000, total_value: 999999 },
          {
            parcel_id: 'P-00003',
            tax_year: 2024,
            land_value: '100000',
            improvement_value: '50000.25',
            total_value: '',
          },
          {
            parcel_id: 'P-00004',
            tax_year: 2024,
            land_value: 80000,
            improvement_value: '0.10',
            total_value: '80000.1',
          },
          { parcel_id: 'P-00004', tax_year: 2023, land_value: 80000, improvement_value: 1, total_value: '80000.99' },
        ]),
      );
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ rows_read: 4, inserted: 2, rejected: 2 });
      expect(res.json().rejected_rows).toEqual([
        {
          line: 2,
          parcel_id: 'P-00003',
          errors: [
            {
              field: 'total_value',
              message:
                "must equal land_value + improvement_value: 100000 + 50000 = 150000 (got '999999'); correct it or leave it empty to have it computed",
            },
          ],
        },
        {
          line: 5,
          parcel_id: 'P-00004',
          errors: [
            {
              field: 'total_value',
              message:
                "must equal land_value + improvement_value: 80000 + 1 = 80001 (got '80000.99'); correct it or leave it empty to have it computed",
            },
          ],
        },
      ]);
      const { rows } = await t.db.query(
        `SELECT parcel_id, tax_year, land_value::text, improvement_value::text, total_value::text FROM assessments
          WHERE county_id = 'rules' AND parcel_id IN ('P-00003', 'P-00004') ORDER BY 1, 2`,
      );
      expect(rows).toEqual([
        {
          parcel_id: 'P-00003',
          tax_year: 2024,
          land_value: '100000.00',
          improvement_value: '50000.25',
          total_value: '150000.25',
        },
        {
          parcel_id: 'P-00004',
          tax_year: 2024,
          land_value: '80000.00',
          improvement_value: '0.10',
          total_value: '80000.10',
        },
      ]);
    });

    it('computes total_value for a file without that column', async () => {
      const res = await importFile(
        'rules',
        'assessments',
        csv(
          ['parcel_id', 'tax_year', 'land_value', 'improvement_value'],
          [{ parcel_id: 'P-00005', tax_year: 2024, land_value: 70000, improvement_value: 30000.5 }],
        ),
      );
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ rows_read: 1, inserted: 1, rejected: 0 });
      const { rows } = await t.db.query(
        `SELECT total_value::text FROM assessments WHERE county_id = 'rules' AND parcel_id = 'P-00005' AND tax_year = 2024`,
      );
      expect(rows).toEqual([{ total_value: '100000.50' }]);
    });

    it('a sales or assessment file refused as a whole stores none of its rows, not even the valid ones before', async () => {
      const count = async (table: string) =>
        (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE county_id = 'rules'`)).rows[0]
          .n;
      const before = { sales: await count('sales'), assessments: await count('assessments') };
      const goodSales = [1, 2, 3].map((i) => `P-0000${i},2020-0${i}-01,${100000 + i},true,,`);
      const sales = await importFile(
        'rules',
        'sales',
        `${SALE_COLUMNS.join(',')}\n${goodSales.join('\n')}\nP-00004,2020-05-01,"100000,true,,\n`,
      );
      expect(sales.status).toBe(400);
      expect(sales.json().detail).toMatch(/^The CSV is malformed near line 5: Quote Not Closed/);
      const goodValues = [1, 2, 3].map((i) => `P-0000${i},2019,${i}00,${i}00,${i * 2}00`);
      const values = await importFile(
        'rules',
        'assessments',
        `${ASSESSMENT_COLUMNS.join(',')}\n${goodValues.join('\n')}\nP-00004,2019,1,2,3,4\n"P-00005,2019`,
      );
      expect(values.status).toBe(400);
      expect(values.json().detail).toMatch(/^The CSV is malformed/);
      expect({ sales: await count('sales'), assessments: await count('assessments') }).toEqual(before);
      expect(
        (await t.db.query(`SELECT 1 FROM sales WHERE county_id = 'rules' AND sale_date < '2020-06-01'`)).rowCount,
      ).toBe(0);
      expect(
        (await t.db.query(`SELECT 1 FROM assessments WHERE county_id = 'rules' AND tax_year = 2019`)).rowCount,
      ).toBe(0);
    });
  });
});

/** Sends the chunks with plain node:http (chunked when asked) and reads the answer. */
function rawUpload(
  baseUrl: string,
  path: string,
  chunks: Buffer[],
  options: { chunked: boolean },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          ...AUTH,
          'content-type': 'text/csv',
          ...(options.chunked ? { 'transfer-encoding': 'chunked' } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/** Starts a chunked upload, sends `head`, and hands back the request to destroy mid-upload. */
async function abortedUpload(baseUrl: string, path: string, head: string) {
  const url = new URL(path, baseUrl);
  const req = httpRequest(url, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
  });
  req.on('error', () => {});
  req.write(head);
  return req;
}

async function activeCopies(t: TestApp): Promise<number> {
  const { rows } = await t.db.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'COPY import_stage%' AND state = 'active'`,
  );
  return rows[0].n;
}

async function idleInTransaction(t: TestApp): Promise<number> {
  const { rows } = await t.db.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
  );
  return rows[0].n;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
