import { describe, expect, it } from '@jest/globals';
import { saleDateLimit, validateAssessmentRow, validateParcelRow, validateSaleRow } from './row-validators.js';

const parcel = {
  parcel_id: ' P-1 ',
  neighborhood: 'NB-1',
  property_class: 'Residential',
  land_sqft: '7200.5',
  building_sqft: '1850',
  year_built: '1994.0',
  quality: '4',
  condition: '3',
  bedrooms: '3',
  bathrooms: '2.5',
  situs_address: '1 Main St',
  lon: '-122.3',
  lat: '47.6',
};

describe('validateParcelRow', () => {
  it('parses a CSV row: trims, lower-cases the class, makes a Point at lon/lat', () => {
    expect(validateParcelRow(parcel)).toEqual({
      row: {
        parcel_id: 'P-1',
        neighborhood: 'NB-1',
        property_class: 'residential',
        land_sqft: 7200.5,
        building_sqft: 1850,
        year_built: 1994,
        quality: 4,
        condition: 3,
        bedrooms: 3,
        bathrooms: 2.5,
        situs_address: '1 Main St',
        lon: -122.3,
        lat: 47.6,
        geometry: { type: 'Point', coordinates: [-122.3, 47.6] },
      },
    });
  });

  it('treats empty optional values as null', () => {
    const row = validateParcelRow({ ...parcel, land_sqft: '', year_built: ' ', situs_address: '' }).row!;
    expect(row).toMatchObject({ land_sqft: null, year_built: null, situs_address: null });
  });

  it('reports every bad field of a row at once', () => {
    const result = validateParcelRow({
      ...parcel,
      parcel_id: '',
      neighborhood: '',
      property_class: 'house',
      land_sqft: '-1',
      building_sqft: '1,850',
      year_built: '1499',
      quality: '11',
      condition: '2.5',
      bedrooms: 'three',
      bathrooms: '-0.5',
      situs_address: 'a\u0000b',
      lon: '-190',
      lat: '',
    });
    expect(result.errors).toEqual([
      { field: 'parcel_id', message: 'is required' },
      { field: 'neighborhood', message: 'is required' },
      {
        field: 'property_class',
        message: "must be one of residential, commercial, industrial, agricultural, vacant (got 'house')",
      },
      { field: 'land_sqft', message: "must be between 0 and 10000000000 (got '-1')" },
      { field: 'building_sqft', message: "must be a number (got '1,850')" },
      { field: 'year_built', message: expect.stringMatching(/^must be between 1600 and \d{4} \(got '1499'\)$/) },
      { field: 'quality', message: "must be between 1 and 10 (got '11')" },
      { field: 'condition', message: "must be a whole number (got '2.5')" },
      { field: 'bedrooms', message: "must be a whole number (got 'three')" },
      { field: 'bathrooms', message: "must be between 0 and 100 (got '-0.5')" },
      { field: 'situs_address', message: 'contains control characters' },
      { field: 'lon', message: "must be between -180 and 180 (got '-190')" },
      { field: 'lat', message: 'is required when lon/lat is given' },
    ]);
  });

  it('requires lon/lat without a geometry, and takes the polygon centroid without lon/lat', () => {
    expect(validateParcelRow({ ...parcel, lon: '', lat: '' }).errors).toEqual([
      { field: 'lon', message: 'is required' },
      { field: 'lat', message: 'is required' },
    ]);
    const row = validateParcelRow({
      ...parcel,
      lon: '',
      lat: '',
      geometry_wkt: 'POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))',
    }).row!;
    expect(row).toMatchObject({ lon: 1, lat: 1, geometry: { type: 'Polygon' } });
  });

  it('keeps lon/lat as given beside a polygon (a label point inside an odd shape)', () => {
    const row = validateParcelRow({ ...parcel, geometry_wkt: 'POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))' }).row!;
    expect(row).toMatchObject({ lon: -122.3, lat: 47.6, geometry: { type: 'Polygon' } });
  });

  it('names a bad WKT under geometry_wkt', () => {
    expect(validateParcelRow({ ...parcel, geometry_wkt: 'LINESTRING (0 0, 1 1)' }).errors).toEqual([
      { field: 'geometry_wkt', message: 'LINESTRING is not supported: expected POLYGON or MULTIPOLYGON' },
    ]);
  });

  it('takes GeoJSON properties as JSON values and the feature geometry', () => {
    const result = validateParcelRow(
      { parcel_id: 42, neighborhood: 'N', property_class: 'vacant', land_sqft: 100, bedrooms: null },
      { type: 'Point', coordinates: [10, 20] },
    );
    expect(result.row).toMatchObject({
      parcel_id: '42',
      land_sqft: 100,
      bedrooms: null,
      building_sqft: null,
      lon: 10,
      lat: 20,
      geometry: { type: 'Point', coordinates: [10, 20] },
    });
    expect(
      validateParcelRow({ parcel_id: 'x', neighborhood: 'N', property_class: 'vacant', quality: { a: 1 } }, null)
        .errors,
    ).toEqual([
      { field: 'quality', message: 'must be a single value, not an object or array' },
      { field: 'lon', message: 'is required when the feature has no geometry' },
      { field: 'lat', message: 'is required when the feature has no geometry' },
    ]);
  });

  it('refuses parcel ids with tabs or longer than 64 characters', () => {
    expect(validateParcelRow({ ...parcel, parcel_id: 'a\tb' }).errors).toEqual([
      { field: 'parcel_id', message: 'must not contain tabs or line breaks' },
    ]);
    expect(validateParcelRow({ ...parcel, parcel_id: 'x'.repeat(65) }).errors).toEqual([
      { field: 'parcel_id', message: 'is longer than 64 characters' },
    ]);
  });
});

describe('validateSaleRow', () => {
  const limit = saleDateLimit(new Date('2026-03-10T23:59:59Z'), 0);
  const sale = {
    parcel_id: 'P-1',
    sale_date: '2024-02-29',
    sale_price: '350000.5',
    is_valid: 'Yes',
    validity_code: '',
    deed_type: 'WD',
  };

  it('parses a sale, keeping the price as an exact decimal string', () => {
    expect(validateSaleRow(sale, limit)).toEqual({
      row: {
        parcel_id: 'P-1',
        sale_date: '2024-02-29',
        sale_price: '350000.5',
        is_valid: true,
        validity_code: null,
        deed_type: 'WD',
      },
    });
    expect(validateSaleRow({ ...sale, is_valid: false, sale_price: 12 }, limit).row).toMatchObject({
      is_valid: false,
      sale_price: '12',
    });
  });

  it.each([
    [{ sale_date: '2023-02-29' }, 'sale_date', "is not a calendar date (got '2023-02-29')"],
    [{ sale_date: '03/01/2024' }, 'sale_date', "must be a date as YYYY-MM-DD (got '03/01/2024')"],
    [{ sale_date: '1850-01-01' }, 'sale_date', "must be between 1900-01-01 and 2100-12-31 (got '1850-01-01')"],
    [{ sale_date: '' }, 'sale_date', 'is required'],
    [{ sale_price: '0' }, 'sale_price', "must be greater than 0 (got '0')"],
    [{ sale_price: '0.001' }, 'sale_price', expect.stringMatching(/^must be a plain decimal amount with at most 2/)],
    [{ sale_price: '$1,000' }, 'sale_price', expect.stringMatching(/^must be a plain decimal amount/)],
    [{ sale_price: '1000000000000' }, 'sale_price', "must be less than 1e12 (got '1000000000000')"],
    [{ is_valid: 'maybe' }, 'is_valid', "must be true or false (got 'maybe')"],
    [{ is_valid: '' }, 'is_valid', 'is required (true or false)'],
  ])('refuses %j', (change, field, message) => {
    expect(validateSaleRow({ ...sale, ...change }, limit).errors).toEqual([{ field, message }]);
  });

  it('takes a sale of today (UTC) and refuses one dated later, naming the last day accepted', () => {
    expect(limit).toEqual({ today: '2026-03-10', toleranceDays: 0, latest: '2026-03-10' });
    expect(validateSaleRow({ ...sale, sale_date: '2026-03-10' }, limit).row?.sale_date).toBe('2026-03-10');
    expect(validateSaleRow({ ...sale, sale_date: '2026-03-11' }, limit).errors).toEqual([
      {
        field: 'sale_date',
        message:
          "must not be later than 2026-03-10 (today, UTC): a sale is imported once it has taken place (got '2026-03-11')",
      },
    ]);
  });

  it('accepts sales up to the tolerance after today, across a month end', () => {
    const tolerant = saleDateLimit(new Date('2026-03-30T00:00:00Z'), 3);
    expect(tolerant).toEqual({ today: '2026-03-30', toleranceDays: 3, latest: '2026-04-02' });
    expect(validateSaleRow({ ...sale, sale_date: '2026-04-02' }, tolerant).row).toBeDefined();
    expect(validateSaleRow({ ...sale, sale_date: '2099-01-01' }, tolerant).errors).toEqual([
      {
        field: 'sale_date',
        message:
          "must not be later than 2026-04-02 (today, UTC, 2026-03-30, plus 3 days of tolerance): a sale is imported once it has taken place (got '2099-01-01')",
      },
    ]);
  });
});

describe('validateAssessmentRow', () => {
  it('parses values and refuses bad years and negative amounts', () => {
    expect(
      validateAssessmentRow({
        parcel_id: 'P-1',
        tax_year: '2025',
        land_value: '0',
        improvement_value: '100.25',
        total_value: '100.25',
      }),
    ).toEqual({
      row: { parcel_id: 'P-1', tax_year: 2025, land_value: '0', improvement_value: '100.25', total_value: '100.25' },
    });
    expect(
      validateAssessmentRow({
        parcel_id: 'P-1',
        tax_year: '25',
        land_value: '-1',
        improvement_value: '',
        total_value: '1e5',
      }).errors,
    ).toEqual([
      { field: 'tax_year', message: "must be between 1900 and 2100 (got '25')" },
      {
        field: 'land_value',
        message: "must be a plain decimal amount with at most 2 decimals, such as 250000 or 250000.50 (got '-1')",
      },
      { field: 'improvement_value', message: 'is required' },
      {
        field: 'total_value',
        message: "must be a plain decimal amount with at most 2 decimals, such as 250000 or 250000.50 (got '1e5')",
      },
    ]);
  });

  const values = { parcel_id: 'P-1', tax_year: '2025', land_value: '100000', improvement_value: '50000.5' };

  it('computes total_value when it is empty or absent, exactly to the cent', () => {
    for (const total of [{ total_value: '' }, { total_value: '  ' }, {}]) {
      expect(validateAssessmentRow({ ...values, ...total }).row?.total_value).toBe('150000.50');
    }
    expect(validateAssessmentRow({ ...values, improvement_value: '50000' }).row?.total_value).toBe('150000');
    expect(
      validateAssessmentRow({ ...values, land_value: '0.07', improvement_value: '0.03', total_value: '0.1' }).row
        ?.total_value,
    ).toBe('0.1');
    expect(
      validateAssessmentRow({ ...values, land_value: '999999999999.99', improvement_value: '0.01' }).errors,
    ).toEqual([
      {
        field: 'total_value',
        message:
          'cannot be computed: land_value + improvement_value = 999999999999.99 + 0.01 = 1000000000000, which is not less than 1e12',
      },
    ]);
  });

  it.each([
    ['999999', '100000 + 50000.5 = 150000.50'],
    ['150000.49', '100000 + 50000.5 = 150000.50'],
    ['150000.51', '100000 + 50000.5 = 150000.50'],
    ['50000.5', '100000 + 50000.5 = 150000.50'],
  ])('refuses total_value %s that is not land + improvements, with the three figures', (total, sum) => {
    expect(validateAssessmentRow({ ...values, total_value: total }).errors).toEqual([
      {
        field: 'total_value',
        message: `must equal land_value + improvement_value: ${sum} (got '${total}'); correct it or leave it empty to have it computed`,
      },
    ]);
  });

  it('accepts a total written differently but equal to the cent', () => {
    expect(validateAssessmentRow({ ...values, total_value: '150000.50' }).row?.total_value).toBe('150000.50');
    expect(validateAssessmentRow({ ...values, total_value: '0150000.5' }).row?.total_value).toBe('0150000.5');
  });
});
