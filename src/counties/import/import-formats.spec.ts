import { describe, expect, it } from '@jest/globals';
import { checkHeader, copyLine, parcelsSpec, salesSpec } from './import-formats.js';

describe('checkHeader', () => {
  it('accepts the columns in any order, with the optional ones', () => {
    expect(
      checkHeader(salesSpec, ['deed_type', 'validity_code', 'is_valid', 'sale_price', 'sale_date', 'parcel_id']),
    ).toEqual([]);
    expect(checkHeader(parcelsSpec, [...parcelsSpec.requiredColumns, 'geometry_wkt'])).toEqual([]);
  });

  it('names unknown, repeated, empty and missing columns', () => {
    expect(checkHeader(salesSpec, ['parcel_id', 'sale_date', 'sale_date', 'price', '', 'is_valid'])).toEqual([
      { field: 'sale_date', message: 'appears more than once' },
      { field: 'price', message: 'is not a known column' },
      { field: 'column 5', message: 'has an empty name' },
      { field: 'sale_price', message: 'is a required column and is missing' },
      { field: 'validity_code', message: 'is a required column and is missing' },
      { field: 'deed_type', message: 'is a required column and is missing' },
    ]);
  });
});

describe('copyLine', () => {
  it('writes COPY text: tabs between values, \\N for null, escapes for backslash, tab and line breaks', () => {
    expect(copyLine(7, ['a\\b', 'c\td', 'e\nf\r', null, 2.5, true])).toBe(
      '7\ta\\\\b\tc\\td\te\\nf\\r\t\\N\t2.5\ttrue\n',
    );
  });
});
