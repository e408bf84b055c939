// GIS export engine against the real PostgreSQL: every format is read back by an independent reader
// (JSON.parse, csv-parse + wkx, fast-xml-parser, shapefile + yauzl, and GDAL's ogrinfo when installed) and
// compared with the database; filters, tax years, artifact download, expiry and failure clean-up.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import shapefile from 'shapefile';
import { DataSource } from 'typeorm';
import wkx from 'wkx';
import yauzl from 'yauzl';
import { PARCEL_ATTRIBUTES } from '../../src/counties/parcel-columns.js';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { GisExportEngine, type GisExportInput } from '../../src/gis-export/gis-export-engine.js';
import { PermanentJobError } from '../../src/jobs/job-errors.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

type Pos = [number, number];
type Rings = Pos[][];

interface DbParcel {
  parcel_id: string;
  neighborhood: string;
  property_class: string;
  land_sqft: number | null;
  building_sqft: number | null;
  year_built: number | null;
  quality: number | null;
  condition: number | null;
  bedrooms: number | null;
  bathrooms: number | null;
  situs_address: string | null;
  lon: number;
  lat: number;
  geometry: { type: string; coordinates: any } | null;
  land_value: string | null;
  improvement_value: string | null;
  total_value: string | null;
}

const ATTRS = ['parcel_id', ...PARCEL_ATTRIBUTES] as const;
const NUMERIC = new Set([
  'land_sqft',
  'building_sqft',
  'year_built',
  'quality',
  'condition',
  'bedrooms',
  'bathrooms',
  'lon',
  'lat',
  'tax_year',
  'land_value',
  'improvement_value',
  'total_value',
]);

const SEED = 11;
const DEMO_PARCELS = 1200;

function area2(ring: Pos[]): number {
  let s = 0;
  for (let i = 0; i < ring.length - 1; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s;
}

function decimals(n: number): number {
  const s = String(n);
  if (s.includes('e')) return 99;
  const dot = s.indexOf('.');
  return dot === -1 ? 0 : s.length - dot - 1;
}

/** Exported ring equals the stored one up to 7-decimal rounding and orientation. */
function expectSameRing(exported: Pos[], stored: Pos[]): void {
  expect(exported).toHaveLength(stored.length);
  const forward = exported.every((p, i) => close(p, stored[i]));
  const backward = exported.every((p, i) => close(p, stored[stored.length - 1 - i]));
  expect(forward || backward).toBe(true);
}

function close(a: Pos, b: Pos): boolean {
  return Math.abs(a[0] - b[0]) <= 5.000001e-8 && Math.abs(a[1] - b[1]) <= 5.000001e-8;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error || !file) return reject(error);
      const entries = new Map<string, Buffer>();
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          readAll(stream).then((data) => {
            entries.set(entry.fileName, data);
            file.readEntry();
          }, reject);
        });
      });
      file.on('end', () => resolve(entries));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

async function readShapefile(shp: Buffer, dbf: Buffer): Promise<any[]> {
  const source = await shapefile.open(shp, dbf, { encoding: 'utf-8' });
  const features: any[] = [];
  for (;;) {
    const r = await source.read();
    if (r.done) break;
    features.push(r.value);
  }
  return features;
}

/** dBase field descriptors straight from the .dbf header. */
function dbfFields(dbf: Buffer): { name: string; type: string; width: number; decimals: number }[] {
  const headerLength = dbf.readUInt16LE(8);
  const fields = [];
  for (let at = 32; at < headerLength - 1; at += 32) {
    fields.push({
      name: dbf.toString('latin1', at, at + 11).replace(/\0.*$/, ''),
      type: String.fromCharCode(dbf[at + 11]),
      width: dbf[at + 16],
      decimals: dbf[at + 17],
    });
  }
  return fields;
}

const HAVE_OGR = spawnSync('ogrinfo', ['--version']).status === 0;

describe('GIS export engine', () => {
  let t: TestApp;
  let engine: GisExportEngine;
  let latestYear: number;
  let years: number[];
  const progressLog: number[] = [];
  const progress = async (f: number) => {
    progressLog.push(f);
  };

  async function dbParcels(countyId: string, taxYear: number | null, where = 'true', params: unknown[] = []) {
    const { rows } = await t.db.query<DbParcel>(
      `SELECT p.parcel_id, p.neighborhood, p.property_class, p.land_sqft, p.building_sqft, p.year_built,
              p.quality, p.condition, p.bedrooms, p.bathrooms::float8 AS bathrooms, p.situs_address, p.lon, p.lat,
              p.geometry, a.land_value, a.improvement_value, a.total_value
         FROM parcels p
         LEFT JOIN assessments a ON a.county_id = p.county_id AND a.parcel_id = p.parcel_id AND a.tax_year = $2
        WHERE p.county_id = $1 AND ${where}
        ORDER BY p.parcel_id`,
      [countyId, taxYear, ...params],
    );
    return rows;
  }

  async function exportAndDownload(input: Omit<GisExportInput, 'jobId'>) {
    const jobId = randomUUID();
    const result = await engine.run({ jobId, ...input }, progress);
    const opened = await engine.openArtifact(jobId);
    expect(opened).not.toBeNull();
    const body = await readAll(opened!.stream);
    expect(body.length).toBe(result.bytes);
    expect(opened!.bytes).toBe(result.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(result.sha256);
    expect(result.artifact_id).toBe(jobId);
    return { jobId, result, body, opened: opened! };
  }

  /** Exported attribute (whatever the reader gave: string/number/null) equals the database's. */
  function expectAttributes(props: Record<string, unknown>, p: DbParcel, taxYear: number | null) {
    const want: Record<string, unknown> = {};
    for (const a of ATTRS) want[a] = p[a];
    want.land_value = p.land_value === null ? null : Number(p.land_value);
    want.improvement_value = p.improvement_value === null ? null : Number(p.improvement_value);
    want.total_value = p.total_value === null ? null : Number(p.total_value);
    want.tax_year = taxYear;
    for (const [key, value] of Object.entries(want)) {
      const got = props[key];
      if (value === null) expect([key, got ?? null]).toEqual([key, null]);
      else if (NUMERIC.has(key)) expect([key, Number(got)]).toEqual([key, value]);
      else expect([key, got]).toEqual([key, value]);
    }
    expect(Math.abs(Number(props.lon) - p.lon)).toBeLessThanOrEqual(5.000001e-8);
    expect(Math.abs(Number(props.lat) - p.lat)).toBeLessThanOrEqual(5.000001e-8);
  }

  beforeAll(async () => {
    t = await createTestApp({ GIS_EXPORT_TTL_HOURS: '2', JOBS_POLL_INTERVAL_MS: '500', RATE_LIMIT_ENABLED: 'false' });
    engine = t.app.get(GisExportEngine);
    await loadDemoCounty(t.app.get(DataSource), { countyId: 'demo', parcels: DEMO_PARCELS, seed: SEED });
    const { rows } = await t.db.query<{ tax_year: number }>(
      `SELECT DISTINCT tax_year FROM assessments WHERE county_id = 'demo' ORDER BY tax_year DESC`,
    );
    years = rows.map((r) => r.tax_year);
    latestYear = years[0];

    // A hand-made county: clockwise input, a MultiPolygon with a hole, points, no geometry, awkward text.
    await t.db.query(`INSERT INTO counties (id, name, state) VALUES ('mixed', 'Mixed', 'WA')`);
    const cw = [
      [-122.3, 47.6],
      [-122.3, 47.601],
      [-122.299, 47.601],
      [-122.299, 47.6],
      [-122.3, 47.6],
    ];
    const multi = {
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [-122.31, 47.61],
            [-122.3, 47.61],
            [-122.3, 47.62],
            [-122.31, 47.62],
            [-122.31, 47.61],
          ],
          // hole given counter-clockwise (wrong for RFC 7946)
          [
            [-122.308, 47.612],
            [-122.302, 47.612],
            [-122.302, 47.618],
            [-122.308, 47.618],
            [-122.308, 47.612],
          ],
        ],
        [
          [
            [-122.29, 47.61],
            [-122.285, 47.61],
            [-122.285, 47.615],
            [-122.29, 47.61],
          ],
        ],
      ],
    };
    const rows2: unknown[][] = [
      [
        'M-1',
        'North',
        'residential',
        5000.5,
        1200,
        1999,
        3,
        4,
        3,
        2.5,
        '=HYPERLINK("x")',
        { type: 'Polygon', coordinates: [cw] },
        -122.2995,
        47.6005,
      ],
      [
        'M-2',
        'North, "Old" <Town> & Co',
        'commercial',
        10000,
        null,
        null,
        null,
        null,
        null,
        null,
        'Zürich-Straße 5, "Suite" <A>',
        multi,
        -122.305,
        47.615,
      ],
      [
        'M-3',
        'South',
        'vacant',
        800.123456,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        { type: 'Point', coordinates: [-122.123456789, 47.98765432] },
        -122.123456789,
        47.98765432,
      ],
      ['M-4', 'South', 'agricultural', null, null, null, null, null, null, null, '+1 Farm Rd', null, -122.2, 47.7],
    ];
    for (const r of rows2) {
      await t.db.query(
        `INSERT INTO parcels (county_id, parcel_id, neighborhood, property_class, land_sqft, building_sqft, year_built,
                              quality, condition, bedrooms, bathrooms, situs_address, geometry, lon, lat)
         VALUES ('mixed', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [...r.slice(0, 11), r[11] === null ? null : JSON.stringify(r[11]), r[12], r[13]],
      );
    }
    await t.db.query(
      `INSERT INTO assessments (county_id, parcel_id, tax_year, land_value, improvement_value, total_value)
       VALUES ('mixed', 'M-1', 2024, 100000, 250000.5, 350000.5), ('mixed', 'M-2', 2024, 1, 2, 3),
              ('mixed', 'M-3', 2023, 9, 9, 18)`,
    );
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('geojson: RFC 7946 collection read back with JSON.parse matches every parcel, value and vertex', async () => {
    progressLog.length = 0;
    const { result, body, opened } = await exportAndDownload({ countyId: 'demo', exportFormat: 'geojson' });
    const want = await dbParcels('demo', latestYear);
    expect(want).toHaveLength(DEMO_PARCELS);
    expect(result).toMatchObject({ export_format: 'geojson', feature_count: DEMO_PARCELS });
    expect(opened.contentType).toBe('application/geo+json');
    expect(opened.filename).toBe(`parcels-demo-${latestYear}.geojson`);
    const expires = Date.parse(result.expires_at) - Date.now();
    expect(expires).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(expires).toBeLessThanOrEqual(2 * 3600_000);

    const doc = JSON.parse(body.toString('utf8'));
    expect(doc.type).toBe('FeatureCollection');
    expect(doc).not.toHaveProperty('crs');
    expect(doc.features).toHaveLength(want.length);
    doc.features.forEach((f: any, i: number) => {
      const p = want[i];
      expect(f.type).toBe('Feature');
      expect(f.properties.parcel_id).toBe(p.parcel_id);
      expectAttributes(f.properties, p, latestYear);
      expect(f.geometry.type).toBe('Polygon');
      const rings: Rings = f.geometry.coordinates;
      expect(area2(rings[0])).toBeGreaterThan(0); // counter-clockwise exterior
      for (const ring of rings)
        for (const [x, y] of ring) expect(Math.max(decimals(x), decimals(y))).toBeLessThanOrEqual(7);
      expectSameRing(rings[0], p.geometry!.coordinates[0]);
    });
    // Progress rose monotonically to 1.
    expect(progressLog[0]).toBe(0);
    expect(progressLog[progressLog.length - 1]).toBe(1);
    expect([...progressLog].sort((a, b) => a - b)).toEqual(progressLog);
  });

  it('geojson: fixes orientation (exterior CCW, holes CW), rounds to 7 decimals, keeps points and null geometry', async () => {
    const { body, result } = await exportAndDownload({ countyId: 'mixed', exportFormat: 'geojson' });
    expect(result.feature_count).toBe(4);
    const doc = JSON.parse(body.toString('utf8'));
    expect(doc).not.toHaveProperty('crs');
    const byId = new Map<string, any>(doc.features.map((f: any) => [f.properties.parcel_id, f]));
    const m1 = byId.get('M-1').geometry.coordinates as Rings;
    expect(area2(m1[0])).toBeGreaterThan(0);
    const m2 = byId.get('M-2').geometry;
    expect(m2.type).toBe('MultiPolygon');
    expect(area2(m2.coordinates[0][0])).toBeGreaterThan(0);
    expect(area2(m2.coordinates[0][1])).toBeLessThan(0);
    expect(area2(m2.coordinates[1][0])).toBeGreaterThan(0);
    expect(byId.get('M-3').geometry).toEqual({ type: 'Point', coordinates: [-122.1234568, 47.9876543] });
    expect(byId.get('M-3').properties).toMatchObject({ lon: -122.1234568, lat: 47.9876543, land_sqft: 800.123456 });
    expect(byId.get('M-4').geometry).toBeNull();
    // Latest year of the county (2024): M-3 has values only for 2023.
    expect(byId.get('M-1').properties).toMatchObject({
      tax_year: 2024,
      land_value: 100000,
      improvement_value: 250000.5,
      total_value: 350000.5,
      situs_address: '=HYPERLINK("x")',
      bathrooms: 2.5,
    });
    expect(byId.get('M-3').properties).toMatchObject({ tax_year: 2024, land_value: null, total_value: null });
    expect(byId.get('M-2').properties.neighborhood).toBe('North, "Old" <Town> & Co');
  });

  it('filters by neighborhoods, property classes and bbox (on the parcel location) with the counts SQL gives', async () => {
    const { rows: nb } = await t.db.query<{ neighborhood: string }>(
      `SELECT neighborhood FROM parcels WHERE county_id = 'demo' GROUP BY 1 ORDER BY count(*) DESC LIMIT 2`,
    );
    const neighborhoods = nb.map((r) => r.neighborhood);
    const { rows: box } = await t.db.query<{ a: number; b: number; c: number; d: number }>(
      `SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY lon) AS a, percentile_cont(0.25) WITHIN GROUP (ORDER BY lat) AS b,
              percentile_cont(0.75) WITHIN GROUP (ORDER BY lon) AS c, percentile_cont(0.75) WITHIN GROUP (ORDER BY lat) AS d
         FROM parcels WHERE county_id = 'demo' AND neighborhood = $1`,
      [neighborhoods[0]],
    );
    const bbox: [number, number, number, number] = [box[0].a, box[0].b, box[0].c, box[0].d];
    const classes = ['residential', 'vacant'];
    const want = await dbParcels(
      'demo',
      latestYear,
      'p.neighborhood = ANY($3) AND p.property_class = ANY($4) AND p.lon BETWEEN $5 AND $7 AND p.lat BETWEEN $6 AND $8',
      [neighborhoods, classes, ...bbox],
    );
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(DEMO_PARCELS / 4);

    const { body, result } = await exportAndDownload({
      countyId: 'demo',
      exportFormat: 'geojson',
      neighborhoods,
      propertyClasses: classes,
      bbox,
    });
    const doc = JSON.parse(body.toString('utf8'));
    expect(result.feature_count).toBe(want.length);
    expect(doc.features.map((f: any) => f.properties.parcel_id)).toEqual(want.map((p) => p.parcel_id));

    const only = async (input: Partial<GisExportInput>, where: string, params: unknown[]) => {
      const r = await engine.run({ jobId: randomUUID(), countyId: 'demo', exportFormat: 'csv', ...input }, progress);
      const { rows } = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM parcels p WHERE county_id = 'demo' AND ${where}`,
        params,
      );
      expect(r.feature_count).toBe(rows[0].n);
      expect(r.feature_count).toBeGreaterThan(0);
      expect(r.feature_count).toBeLessThan(DEMO_PARCELS);
    };
    await only({ neighborhoods: [neighborhoods[0]] }, 'neighborhood = $1', [neighborhoods[0]]);
    await only({ propertyClasses: ['commercial'] }, `property_class = 'commercial'`, []);
    await only({ bbox }, 'lon BETWEEN $1 AND $3 AND lat BETWEEN $2 AND $4', bbox);
    const empty = await engine.run(
      { jobId: randomUUID(), countyId: 'demo', exportFormat: 'geojson', bbox: [0, 0, 1, 1] },
      progress,
    );
    expect(empty.feature_count).toBe(0);
  });

  it('uses the requested tax year, and fails clearly for a year without values or a bad input', async () => {
    const older = years[years.length - 1];
    expect(older).toBeLessThan(latestYear);
    const { body } = await exportAndDownload({ countyId: 'demo', exportFormat: 'geojson', taxYear: older });
    const want = await dbParcels('demo', older);
    const doc = JSON.parse(body.toString('utf8'));
    doc.features.forEach((f: any, i: number) => expectAttributes(f.properties, want[i], older));

    const failure = (input: Partial<GisExportInput>) =>
      engine.run({ jobId: randomUUID(), countyId: 'demo', exportFormat: 'geojson', ...input }, progress).then(
        () => null,
        (e: unknown) => e as PermanentJobError,
      );
    const noYear = await failure({ taxYear: 1999 });
    expect(noYear).toBeInstanceOf(PermanentJobError);
    expect(noYear!.reason).toBe('insufficient_data');
    expect(noYear!.message).toBe(
      `county "demo" has no assessed values for tax year 1999 (years with values: ${years.join(', ')})`,
    );
    const badClass = await failure({ propertyClasses: ['castle'] });
    expect([badClass!.reason, badClass!.message]).toEqual([
      'invalid_input',
      'property_classes has unknown classes (castle); use residential, commercial, industrial, agricultural, vacant',
    ]);
    const badBox = await failure({ bbox: [10, 10, 5, 20] });
    expect(badBox!.message).toBe('bbox must be [min_lon, min_lat, max_lon, max_lat] with min ≤ max');
    const noCounty = await failure({ countyId: 'nowhere' });
    expect([noCounty!.reason, noCounty!.message]).toEqual(['invalid_input', 'county "nowhere" does not exist']);
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM export_artifacts WHERE county_id = 'nowhere'`);
    expect(rows[0].n).toBe(0);
  });

  it('csv: read back with csv-parse and wkx; RFC 4180 quoting, formula cells neutralised', async () => {
    const { body, opened, result } = await exportAndDownload({ countyId: 'demo', exportFormat: 'csv' });
    expect(opened.contentType).toBe('text/csv; charset=utf-8');
    expect(opened.filename).toBe(`parcels-demo-${latestYear}.csv`);
    const want = await dbParcels('demo', latestYear);
    const records: Record<string, string>[] = parseCsv(body, { columns: true, record_delimiter: '\r\n' });
    expect(result.feature_count).toBe(want.length);
    expect(records).toHaveLength(want.length);
    expect(Object.keys(records[0])).toEqual([
      ...ATTRS,
      'lon',
      'lat',
      'tax_year',
      'land_value',
      'improvement_value',
      'total_value',
      'geometry_wkt',
    ]);
    records.forEach((r, i) => {
      const p = want[i];
      const props = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v]));
      expectAttributes(props, p, latestYear);
      const g = wkx.Geometry.parse(r.geometry_wkt).toGeoJSON() as any;
      expect(g.type).toBe('Polygon');
      expectSameRing(g.coordinates[0], p.geometry!.coordinates[0]);
    });

    const mixed = await exportAndDownload({ countyId: 'mixed', exportFormat: 'csv' });
    const text = mixed.body.toString('utf8');
    expect(text).toContain(`,"'=HYPERLINK(""x"")",`);
    expect(text).toContain(`,'+1 Farm Rd,`);
    const rows: Record<string, string>[] = parseCsv(mixed.body, { columns: true });
    expect(rows.map((r) => r.parcel_id)).toEqual(['M-1', 'M-2', 'M-3', 'M-4']);
    expect(rows[0].situs_address).toBe(`'=HYPERLINK("x")`);
    expect(rows[1].neighborhood).toBe('North, "Old" <Town> & Co');
    expect(rows[1].situs_address).toBe('Zürich-Straße 5, "Suite" <A>');
    expect((wkx.Geometry.parse(rows[1].geometry_wkt).toGeoJSON() as any).type).toBe('MultiPolygon');
    expect(wkx.Geometry.parse(rows[2].geometry_wkt).toGeoJSON()).toEqual({
      type: 'Point',
      coordinates: [-122.1234568, 47.9876543],
    });
    expect(rows[3].geometry_wkt).toBe('');
    expect(rows[0].lon).toBe('-122.2995');
  });

  it('kml: read back with fast-xml-parser: Placemarks, ExtendedData and coordinates', async () => {
    const { body, opened } = await exportAndDownload({ countyId: 'demo', exportFormat: 'kml' });
    expect(opened.contentType).toBe('application/vnd.google-earth.kml+xml');
    const want = await dbParcels('demo', latestYear);
    const parser = new XMLParser({
      ignoreAttributes: false,
      parseTagValue: false,
      isArray: (name) => ['Placemark', 'Data', 'innerBoundaryIs', 'Polygon'].includes(name),
    });
    const doc = parser.parse(body.toString('utf8'));
    expect(doc.kml['@_xmlns']).toBe('http://www.opengis.net/kml/2.2');
    const placemarks = doc.kml.Document.Placemark;
    expect(placemarks).toHaveLength(want.length);
    const coords = (s: string): Pos[] =>
      s
        .trim()
        .split(/\s+/)
        .map((c) => c.split(',').map(Number) as Pos);
    placemarks.forEach((pm: any, i: number) => {
      const p = want[i];
      expect(pm.name).toBe(p.parcel_id);
      const props = Object.fromEntries(pm.ExtendedData.Data.map((d: any) => [d['@_name'], d.value]));
      expectAttributes(props, p, latestYear);
      const ring = coords(pm.Polygon[0].outerBoundaryIs.LinearRing.coordinates);
      expect(area2(ring)).toBeGreaterThan(0);
      expectSameRing(ring, p.geometry!.coordinates[0]);
    });

    const mixed = await exportAndDownload({ countyId: 'mixed', exportFormat: 'kml' });
    const m = parser.parse(mixed.body.toString('utf8')).kml.Document.Placemark;
    expect(m.map((pm: any) => pm.name)).toEqual(['M-1', 'M-2', 'M-3', 'M-4']);
    const data = (pm: any) => Object.fromEntries(pm.ExtendedData.Data.map((d: any) => [d['@_name'], d.value]));
    expect(data(m[1]).neighborhood).toBe('North, "Old" <Town> & Co');
    expect(m[1].MultiGeometry.Polygon).toHaveLength(2);
    expect(m[1].MultiGeometry.Polygon[0].innerBoundaryIs).toHaveLength(1);
    expect(coords(m[2].Point.coordinates)).toEqual([[-122.1234568, 47.9876543]]);
    expect(m[3].Point ?? m[3].Polygon ?? null).toBeNull();
    expect(data(m[3])).not.toHaveProperty('land_sqft');
  });

  it('shapefile: zip read back with yauzl + shapefile (and GDAL ogrinfo when installed)', async () => {
    const { body, opened, result } = await exportAndDownload({ countyId: 'demo', exportFormat: 'shapefile' });
    expect(opened.contentType).toBe('application/zip');
    const base = `parcels-demo-${latestYear}`;
    expect(opened.filename).toBe(`${base}.zip`);
    const files = await unzip(body);
    expect([...files.keys()].sort()).toEqual(['.cpg', '.dbf', '.prj', '.shp', '.shx'].map((e) => base + e).sort());
    expect(files.get(base + '.cpg')!.toString()).toBe('UTF-8');
    expect(files.get(base + '.prj')!.toString()).toMatch(/^GEOGCS\["GCS_WGS_1984",DATUM\["D_WGS_1984"/);
    const shp = files.get(base + '.shp')!;
    expect(shp.readInt32BE(0)).toBe(9994);
    expect(shp.readInt32BE(24) * 2).toBe(shp.length);
    expect(shp.readInt32LE(32)).toBe(5);
    const shx = files.get(base + '.shx')!;
    expect(shx.length).toBe(100 + 8 * DEMO_PARCELS);
    const dbf = files.get(base + '.dbf')!;
    expect(dbf.readUInt32LE(4)).toBe(DEMO_PARCELS);
    const fields = dbfFields(dbf);
    expect(fields.map((f) => f.name)).toEqual([
      'PARCEL_ID',
      'NBHD',
      'PROP_CLASS',
      'LAND_SQFT',
      'BLDG_SQFT',
      'YR_BUILT',
      'QUALITY',
      'CONDITION',
      'BEDROOMS',
      'BATHROOMS',
      'SITUS_ADDR',
      'LON',
      'LAT',
      'TAX_YEAR',
      'LAND_VAL',
      'IMPR_VAL',
      'TOT_VAL',
    ]);
    expect(fields.find((f) => f.name === 'TOT_VAL')).toEqual({ name: 'TOT_VAL', type: 'N', width: 16, decimals: 2 });
    expect(fields.find((f) => f.name === 'PROP_CLASS')).toEqual({
      name: 'PROP_CLASS',
      type: 'C',
      width: 12,
      decimals: 0,
    });
    const { rows: widest } = await t.db.query<{ n: number }>(
      `SELECT max(octet_length(parcel_id))::int AS n FROM parcels WHERE county_id = 'demo'`,
    );
    expect(fields[0]).toEqual({ name: 'PARCEL_ID', type: 'C', width: widest[0].n, decimals: 0 });

    const want = await dbParcels('demo', latestYear);
    const features = await readShapefile(shp, dbf);
    expect(features).toHaveLength(want.length);
    expect(result.feature_count).toBe(want.length);
    const back: Record<string, string> = {
      PARCEL_ID: 'parcel_id',
      NBHD: 'neighborhood',
      PROP_CLASS: 'property_class',
      LAND_SQFT: 'land_sqft',
      BLDG_SQFT: 'building_sqft',
      YR_BUILT: 'year_built',
      QUALITY: 'quality',
      CONDITION: 'condition',
      BEDROOMS: 'bedrooms',
      BATHROOMS: 'bathrooms',
      SITUS_ADDR: 'situs_address',
      LON: 'lon',
      LAT: 'lat',
      TAX_YEAR: 'tax_year',
      LAND_VAL: 'land_value',
      IMPR_VAL: 'improvement_value',
      TOT_VAL: 'total_value',
    };
    features.forEach((f, i) => {
      const p = want[i];
      const props = Object.fromEntries(Object.entries(f.properties).map(([k, v]) => [back[k], v]));
      expectAttributes(props, p, latestYear);
      expect(f.geometry.type).toBe('Polygon');
      const ring = f.geometry.coordinates[0] as Pos[];
      expect(area2(ring)).toBeLessThan(0); // shapefile order: outer ring clockwise
      expectSameRing(ring, p.geometry!.coordinates[0]);
    });

    if (!HAVE_OGR) {
      console.warn('ogrinfo (Debian gdal-bin) not installed: skipping the GDAL read-back of the shapefile');
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'tf-shp-test-'));
    try {
      for (const [name, data] of files) await writeFile(join(dir, name), data);
      const info = spawnSync('ogrinfo', ['-ro', '-so', '-al', join(dir, base + '.shp')], { encoding: 'utf8' });
      expect(info.status).toBe(0);
      expect(info.stdout).toContain('Geometry: Polygon');
      expect(info.stdout).toContain(`Feature Count: ${DEMO_PARCELS}`);
      expect(info.stdout).toMatch(/GEOGCRS\["WGS 84"|GEOGCS\["WGS 84"/);
      expect(info.stdout).toContain('TOT_VAL: Real (16.2)');
      expect(info.stdout).toContain('YR_BUILT: Integer (6.0)');
      expect(info.stdout).toContain(`PARCEL_ID: String (${widest[0].n}.0)`);
      const first = spawnSync('ogrinfo', ['-ro', '-al', '-fid', '0', join(dir, base + '.shp')], { encoding: 'utf8' });
      expect(first.stdout).toContain(`PARCEL_ID (String) = ${want[0].parcel_id}`);
      expect(first.stdout).toContain('POLYGON ((');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shapefile: points go to a separate point shapefile; MultiPolygon rings and UTF-8 text survive', async () => {
    const { body, result } = await exportAndDownload({ countyId: 'mixed', exportFormat: 'shapefile' });
    expect(result.feature_count).toBe(4);
    const files = await unzip(body);
    const base = 'parcels-mixed-2024';
    expect([...files.keys()].sort()).toEqual(
      [base, base + '_points'].flatMap((b) => ['.cpg', '.dbf', '.prj', '.shp', '.shx'].map((e) => b + e)).sort(),
    );
    const polys = await readShapefile(files.get(base + '.shp')!, files.get(base + '.dbf')!);
    expect(polys.map((f) => f.properties.PARCEL_ID)).toEqual(['M-1', 'M-2', 'M-4']);
    expect(polys[1].geometry.type).toBe('MultiPolygon');
    expect(polys[1].geometry.coordinates[0]).toHaveLength(2); // exterior + hole
    expect(area2(polys[1].geometry.coordinates[0][0])).toBeLessThan(0);
    expect(area2(polys[1].geometry.coordinates[0][1])).toBeGreaterThan(0);
    expect(polys[1].properties.SITUS_ADDR).toBe('Zürich-Straße 5, "Suite" <A>');
    expect(polys[2].geometry).toBeNull();
    expect(polys[0].properties).toMatchObject({ LAND_SQFT: 5000.5, BATHROOMS: 2.5, TOT_VAL: 350000.5, QUALITY: 3 });
    expect(polys[2].properties.LAND_SQFT).toBeNull();
    const points = await readShapefile(files.get(base + '_points.shp')!, files.get(base + '_points.dbf')!);
    expect(points).toHaveLength(1);
    expect(points[0].geometry).toEqual({ type: 'Point', coordinates: [-122.1234568, 47.9876543] });
    expect(points[0].properties).toMatchObject({ PARCEL_ID: 'M-3', LAND_SQFT: 800.12, TAX_YEAR: 2024, LAND_VAL: null });
  });

  it('serves the file byte-identical from the database, and expired files are gone after cleanup', async () => {
    const { jobId, body } = await exportAndDownload({ countyId: 'mixed', exportFormat: 'geojson' });
    const again = await readAll((await engine.openArtifact(jobId))!.stream);
    expect(again.equals(body)).toBe(true);
    expect(await engine.openArtifact(randomUUID())).toBeNull();

    await t.db.query(`UPDATE export_artifacts SET expires_at = now() - interval '1 second' WHERE job_id = $1`, [jobId]);
    expect(await engine.openArtifact(jobId)).toBeNull();
    const before = await t.db.query(`SELECT count(*)::int AS n FROM export_artifacts`);
    expect(await engine.deleteExpired()).toBe(1);
    const after = await t.db.query(`SELECT count(*)::int AS n FROM export_artifacts`);
    expect(after.rows[0].n).toBe(before.rows[0].n - 1);
    const chunks = await t.db.query(`SELECT count(*)::int AS n FROM export_artifact_chunks WHERE job_id = $1`, [jobId]);
    expect(chunks.rows[0].n).toBe(0);
    expect(await engine.deleteExpired()).toBe(0);
  });

  it('a failing progress callback (cancel) stops the export, stores nothing and leaves the pool usable', async () => {
    for (const exportFormat of ['geojson', 'shapefile'] as const) {
      const jobId = randomUUID();
      let calls = 0;
      const error = await engine
        .run({ jobId, countyId: 'demo', exportFormat }, async () => {
          if (++calls === 2) throw new Error('cancelled by the user');
        })
        .then(
          () => null,
          (e: unknown) => e as Error,
        );
      expect(error?.message).toBe('cancelled by the user');
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM export_artifacts WHERE job_id = $1`, [jobId]);
      expect(rows[0].n).toBe(0);
      expect(await engine.openArtifact(jobId)).toBeNull();
    }
    // A retried attempt of the same job replaces nothing partial and works.
    const r = await engine.run({ jobId: randomUUID(), countyId: 'mixed', exportFormat: 'kml' }, progress);
    expect(r.feature_count).toBe(4);
  });

  it('HTTP: POST run queues an export that completes; the download streams the file with its headers from the database', async () => {
    const assessor = authHeader({ role: 'assessor', sub: 'gis-1', counties: ['demo'] });
    const body = { county_id: 'demo', export_format: 'shapefile', property_classes: ['commercial', 'industrial'] };
    const submitted = await t.request('POST', '/api/v1/gis-export/run', { headers: assessor, body });
    expect(submitted.status).toBe(202);
    const jobId = submitted.json().job_id as string;
    const doc = await waitForJob(t, 'gis-export', jobId, assessor, { expectOk: false });
    expect([doc.status, doc.error, doc.progress]).toEqual(['COMPLETED', null, 1]);
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM parcels WHERE county_id = 'demo' AND property_class IN ('commercial', 'industrial')`,
    );
    const results = await t.request('GET', `/api/v1/gis-export/results/${jobId}`, { headers: assessor });
    expect(results.status).toBe(200);
    const result = results.json();
    expect(result).toMatchObject({
      job_id: jobId,
      export_format: 'shapefile',
      feature_count: rows[0].n,
      tax_year: latestYear,
      filename: `parcels-demo-${latestYear}.zip`,
      download_url: `/api/v1/gis-export/results/${jobId}/download`,
    });

    const res = await fetch(t.baseUrl + result.download_url, { headers: assessor });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="parcels-demo-${latestYear}.zip"`);
    expect(res.headers.get('content-length')).toBe(String(result.bytes));
    expect(res.headers.get('etag')).toBe(`"${result.sha256}"`);
    const file = Buffer.from(await res.arrayBuffer());
    expect(file.length).toBe(result.bytes);
    expect(createHash('sha256').update(file).digest('hex')).toBe(result.sha256);
    const files = await unzip(file);
    const features = await readShapefile(
      files.get(`parcels-demo-${latestYear}.shp`)!,
      files.get(`parcels-demo-${latestYear}.dbf`)!,
    );
    expect(features).toHaveLength(rows[0].n);
    expect(new Set(features.map((f) => f.properties.PROP_CLASS))).toEqual(new Set(['commercial', 'industrial']));

    const viewer = authHeader({ role: 'viewer', sub: 'v-1', counties: ['other'] });
    expect((await fetch(t.baseUrl + result.download_url, { headers: viewer })).status).toBe(404);
    await t.db.query(`UPDATE export_artifacts SET expires_at = now() - interval '1 second' WHERE job_id = $1`, [jobId]);
    const gone = await t.request('GET', result.download_url, { headers: assessor });
    expect(gone.status).toBe(404);
    expect(gone.json().detail).toBe(`The file of job '${jobId}' has expired; run the export again.`);
  });
  it('stores text formats gzip-compressed; the download is gzip-coded when Accept-Encoding allows it, plain otherwise', async () => {
    const assessor = authHeader({ role: 'assessor', sub: 'gis-2', counties: ['demo'] });
    const submitted = await t.request('POST', '/api/v1/gis-export/run', {
      headers: assessor,
      body: { county_id: 'demo', export_format: 'geojson' },
    });
    expect(submitted.status).toBe(202);
    const jobId = submitted.json().job_id as string;
    const doc = await waitForJob(t, 'gis-export', jobId, assessor, { expectOk: false });
    expect([doc.status, doc.error]).toEqual(['COMPLETED', null]);
    const result = (await t.request('GET', `/api/v1/gis-export/results/${jobId}`, { headers: assessor })).json();
    const body = await readAll((await engine.openArtifact(jobId))!.stream);
    expect(createHash('sha256').update(body).digest('hex')).toBe(result.sha256);
    const { rows } = await t.db.query(
      `SELECT content_encoding, bytes::int AS bytes, stored_bytes::int AS stored_bytes,
              (SELECT sum(octet_length(data))::int FROM export_artifact_chunks c WHERE c.job_id = a.job_id) AS chunks
         FROM export_artifacts a WHERE job_id = $1`,
      [jobId],
    );
    expect(rows[0]).toMatchObject({ content_encoding: 'gzip', bytes: result.bytes });
    expect(rows[0].stored_bytes).toBe(rows[0].chunks);
    expect(rows[0].stored_bytes).toBeLessThan(result.bytes / 3);
    // Raw (still gzip-coded) bytes through engine.openArtifact with acceptGzip.
    const raw = await engine.openArtifact(jobId, { acceptGzip: true });
    expect([raw!.contentEncoding, raw!.bytes]).toEqual(['gzip', rows[0].stored_bytes]);
    expect(gunzipSync(await readAll(raw!.stream)).equals(body)).toBe(true);

    const url = new URL(`/api/v1/gis-export/results/${jobId}/download`, t.baseUrl);
    const get = (acceptEncoding: string | null) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
        (resolve, reject) => {
          const headers: Record<string, string> = { ...assessor };
          if (acceptEncoding !== null) headers['accept-encoding'] = acceptEncoding;
          httpRequest(url, { headers }, (res) => {
            readAll(res).then((b) => resolve({ status: res.statusCode!, headers: res.headers, body: b }), reject);
          })
            .on('error', reject)
            .end();
        },
      );

    const gz = await get('br, gzip;q=0.8');
    expect(gz.status).toBe(200);
    expect(gz.headers).toMatchObject({
      'content-type': 'application/geo+json',
      'content-encoding': 'gzip',
      'content-length': String(rows[0].stored_bytes),
      'content-disposition': `attachment; filename="${result.filename}"`,
      etag: `"${result.sha256}-gzip"`,
      vary: 'Accept-Encoding',
    });
    expect(gz.body.length).toBe(rows[0].stored_bytes);
    expect(gunzipSync(gz.body).equals(body)).toBe(true);

    for (const acceptEncoding of [null, 'identity', 'gzip;q=0, br']) {
      const plain = await get(acceptEncoding);
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers).toMatchObject({
        'content-type': 'application/geo+json',
        'content-length': String(result.bytes),
        etag: `"${result.sha256}"`,
        vary: 'Accept-Encoding',
      });
      expect(createHash('sha256').update(plain.body).digest('hex')).toBe(result.sha256);
    }
  });
});
