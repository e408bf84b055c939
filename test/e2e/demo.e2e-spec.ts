import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadDemoCounty, loadDemoCountyIfEmpty } from '../../src/demo/demo-data.service.js';
import { DemoCounty } from '../../src/demo/generator.js';
import { loadDemoDataIfEmpty, runStartupTasks } from '../../src/lifecycle/startup-tasks.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

async function counts(db: pg.Client, countyId: string) {
  const { rows } = await db.query<{ parcels: number; sales: number; invalid: number; assessments: number }>(
    `SELECT (SELECT count(*)::int FROM parcels WHERE county_id = $1) AS parcels,
            (SELECT count(*)::int FROM sales WHERE county_id = $1) AS sales,
            (SELECT count(*)::int FROM sales WHERE county_id = $1 AND NOT is_valid) AS invalid,
            (SELECT count(*)::int FROM assessments WHERE county_id = $1) AS assessments`,
    [countyId],
  );
  return rows[0];
}

function expected(parcels: number, seed: number) {
  const records = [...new DemoCounty({ parcels, seed }).records()];
  const sales = records.flatMap((r) => r.sales);
  return {
    records,
    counts: {
      parcels,
      sales: sales.length,
      invalid: sales.filter((s) => !s.isValid).length,
      assessments: records.length * 2,
    },
  };
}

describe('demo county loading', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('loads a 2,000-parcel county through COPY with exactly the generated rows', async () => {
    const want = expected(2000, 42);
    const result = await loadDemoCounty(t.app.get(DataSource), { countyId: 'demo', parcels: 2000, seed: 42 });
    const { invalid: _invalid, ...loaded } = want.counts;
    expect(result).toMatchObject({ countyId: 'demo', seed: 42, ...loaded });
    expect(await counts(t.db, 'demo')).toEqual(want.counts);

    const county = await t.db.query('SELECT id, name, state FROM counties');
    expect(county.rows).toEqual([{ id: 'demo', name: 'Demo County', state: 'IN' }]);

    const first = want.records[0];
    const row = await t.db.query(
      `SELECT parcel_id, neighborhood, property_class, land_sqft, building_sqft, year_built, quality, condition,
              bedrooms, bathrooms, situs_address, geometry, lon, lat
         FROM parcels WHERE county_id = 'demo' AND parcel_id = $1`,
      [first.parcel.parcelId],
    );
    const p = first.parcel;
    expect(row.rows[0]).toEqual({
      parcel_id: p.parcelId,
      neighborhood: p.neighborhood,
      property_class: p.propertyClass,
      land_sqft: p.landSqft,
      building_sqft: p.buildingSqft,
      year_built: p.yearBuilt,
      quality: p.quality,
      condition: p.condition,
      bedrooms: p.bedrooms,
      bathrooms: p.bathrooms,
      situs_address: p.situsAddress,
      geometry: p.geometry,
      lon: p.lon,
      lat: p.lat,
    });

    const sold = want.records.find((r) => r.sales.length > 0)!;
    const saleRows = await t.db.query(
      `SELECT to_char(sale_date, 'YYYY-MM-DD') AS sale_date, sale_price::float8 AS sale_price, is_valid,
              validity_code, deed_type
         FROM sales WHERE county_id = 'demo' AND parcel_id = $1 ORDER BY sale_date`,
      [sold.parcel.parcelId],
    );
    expect(saleRows.rows).toEqual(
      sold.sales.map((s) => ({
        sale_date: s.saleDate,
        sale_price: s.salePrice,
        is_valid: s.isValid,
        validity_code: s.validityCode,
        deed_type: s.deedType,
      })),
    );
    const roll = await t.db.query(
      `SELECT tax_year, total_value::float8 AS total_value FROM assessments
        WHERE county_id = 'demo' AND parcel_id = $1 ORDER BY tax_year`,
      [p.parcelId],
    );
    expect(roll.rows).toEqual(first.assessments.map((a) => ({ tax_year: a.taxYear, total_value: a.totalValue })));
  });

  it('replaces the county on a second load instead of adding to it, leaving other counties alone', async () => {
    await loadDemoCounty(t.db, { countyId: 'other', parcels: 300, seed: 5 });
    const other = await counts(t.db, 'other');
    expect(other.parcels).toBe(300);

    await loadDemoCounty(t.app.get(DataSource), { countyId: 'demo', parcels: 2000, seed: 42 });
    expect(await counts(t.db, 'demo')).toEqual(expected(2000, 42).counts);

    await loadDemoCounty(t.app.get(DataSource), { countyId: 'demo', parcels: 1500, seed: 43 });
    expect(await counts(t.db, 'demo')).toEqual(expected(1500, 43).counts);
    expect(await counts(t.db, 'other')).toEqual(other);
    const ids = await t.db.query('SELECT id FROM counties ORDER BY id');
    expect(ids.rows).toEqual([{ id: 'demo' }, { id: 'other' }]);
  });

  it('refuses a bad county id before touching the database', async () => {
    await expect(loadDemoCounty(t.db, { countyId: 'Bad County', parcels: 10, seed: 1 })).rejects.toThrow(
      'county id "Bad County" must be 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit',
    );
    expect((await t.db.query('SELECT count(*)::int AS n FROM counties')).rows[0].n).toBe(2);
  });

  it('does nothing at startup when DEMO_DATA is off (the test default)', async () => {
    await t.db.query('DELETE FROM counties');
    await runStartupTasks(t.app);
    expect((await t.db.query('SELECT count(*)::int AS n FROM counties')).rows[0].n).toBe(0);
  });
});

describe('demo data at startup', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ DEMO_DATA: 'true', DEMO_PARCELS: '500', DEMO_SEED: '7' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets exactly one of two replicas starting together load the county', async () => {
    const a = new pg.Client({ connectionString: t.databaseUrl });
    const b = new pg.Client({ connectionString: t.databaseUrl });
    await Promise.all([a.connect(), b.connect()]);
    try {
      const options = { countyId: 'demo', parcels: 500, seed: 7 };
      const results = await Promise.all([loadDemoCountyIfEmpty(a, options), loadDemoCountyIfEmpty(b, options)]);
      expect(results.filter((r) => r === null)).toHaveLength(1);
      expect(results.find((r) => r !== null)).toMatchObject({ countyId: 'demo', parcels: 500 });
      expect(await counts(t.db, 'demo')).toEqual(expected(500, 7).counts);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    await t.db.query('DELETE FROM counties');
  });

  it('loads the demo county into an empty database, then leaves a database with counties alone', async () => {
    await runStartupTasks(t.app);
    expect(await counts(t.db, 'demo')).toEqual(expected(500, 7).counts);
    const before = await t.db.query('SELECT min(updated_at) AS at FROM parcels');

    expect(await loadDemoDataIfEmpty(t.app)).toBeNull();
    await runStartupTasks(t.app);
    expect(await counts(t.db, 'demo')).toEqual(expected(500, 7).counts);
    expect((await t.db.query('SELECT min(updated_at) AS at FROM parcels')).rows).toEqual(before.rows);
  });

  it('does not load the demo county when another county exists', async () => {
    await t.db.query('DELETE FROM counties');
    await t.db.query(`INSERT INTO counties (id, name) VALUES ('king-wa', 'King County')`);
    expect(await loadDemoDataIfEmpty(t.app)).toBeNull();
    expect((await t.db.query('SELECT id FROM counties')).rows).toEqual([{ id: 'king-wa' }]);
  });
});
