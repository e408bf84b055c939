// fast-check generators of hostile HTTP input for the fuzz suite (test/e2e/fuzz.e2e-spec.ts): path
// segments, query strings, JSON bodies, import files and Authorization headers, each mixing values that
// are almost right (so requests get past the first check) with values that are plainly wrong.
import fc from 'fast-check';

/** Percent-encodes a string for a URL; a lone surrogate (which encodeURIComponent refuses) goes as U+FFFD. */
export function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  }
}

const LONG = (n: number) => 'x'.repeat(n);

/** Strings that have broken parsers, SQL and path handling: sent encoded, so they arrive as written. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001\u001f\u007f',
  '..',
  '.',
  '../../etc/passwd',
  'a/b',
  'a\\b',
  '%',
  '%00',
  "'; DROP TABLE parcels; --",
  '"',
  '*',
  '?',
  '#',
  '\ud800',
  'a\udfffb',
  '\ufeff',
  '\u202e',
  'ｆｕｚｚ',
  'Fuzz',
  'fuzz ',
  '🏠🏡',
  'e\u0301',
  'null',
  'undefined',
  'true',
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '00000000000000000000000000000000',
  '00000000-0000-0000-0000-00000000000g',
  '{00000000-0000-0000-0000-000000000000}',
  LONG(64),
  LONG(65),
  LONG(200),
  LONG(201),
  LONG(3000),
];

/** Already-encoded segments: raw bytes and escapes that an encoder would never produce. */
const RAW_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E%2F%2E%2E',
  '%00',
  'a%00b',
  '%2F',
  'a%2Fb',
  '%5C',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AE',
  '%FF%FE',
  '%ED%A0%80',
  '%EF%BB%BF',
  '%20',
  '+',
  ';x=1',
  '~',
];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.uuid().map((u) => u) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }).map((n) => 'é'.repeat(n)) },
);

/**
 * One path segment in URL form for a parameter: usually the known good value (so the request reaches the
 * handler's later checks), else a hostile one, encoded or raw.
 */
export function pathSegment(good: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...good).map(encodeSegment) },
    { weight: 3, arbitrary: nastyString.map(encodeSegment) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...good), fc.constantFrom(...RAW_SEGMENTS)).map(([g, r]) => g + r),
    },
  );
}

/** Query keys the routes read, and some they do not. */
const QUERY_KEYS = [
  'limit',
  'cursor',
  'neighborhood',
  'property_class',
  'county_id',
  'status',
  'format',
  'limit[]',
  'a[b]',
  '__proto__',
  'constructor',
  '',
];

const NUMBERISH = [
  '1',
  '100',
  '1000',
  '1001',
  '0',
  '-1',
  '1.5',
  '1e3',
  '1e309',
  '-0',
  '0x10',
  ' 5',
  'NaN',
  'Infinity',
  '9999999999999999999999999',
  '',
];

/** Cursors that decode (base64url) to almost what the lists issue, with hostile contents. */
const cursorLike: fc.Arbitrary<string> = fc
  .oneof(
    fc
      .record({ v: fc.constantFrom<unknown>(1, 2, '1', null), after: fc.oneof(nastyString, fc.jsonValue()) })
      .map((o) => JSON.stringify(o)),
    fc.record({ after: fc.oneof(nastyString, fc.jsonValue()) }).map((o) => JSON.stringify(o)),
    fc
      .tuple(
        fc.oneof(
          fc.constantFrom('2024-01-01T00:00:00.000Z', '1', '275760-09-13', 'Tue', '2024-02-30', '0', '99999'),
          nastyString,
        ),
        fc.oneof(fc.uuid(), nastyString),
      )
      .map(([at, id]) => `${at}|${id}`),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    nastyString,
    // Positions PostgreSQL cannot compare with: NUL is hidden from the input rules by the encoding.
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '{"v":1,"after":"a\\u0000"}',
        '{"after":"\\u0000"}',
        `0|${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`,
      ),
    },
  )
  .map((text) => Buffer.from(text, 'utf8').toString('base64url'));

const queryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...NUMBERISH) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: cursorLike },
  {
    weight: 1,
    arbitrary: fc.constantFrom('residential', 'commercial', 'COMPLETED', 'PENDING', 'fuzz', 'N01', 'csv'),
  },
);

/** `?k=v&k=v…` with repeated keys and arrays allowed, or a malformed query string. */
export const queryString: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  // Cursors on their own: every list decodes them, and a value that decodes but is not a position must
  // stop there, not reach SQL.
  { weight: 3, arbitrary: cursorLike.map((c) => `?cursor=${c}`) },
  {
    weight: 6,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom(...QUERY_KEYS), queryValue), { minLength: 1, maxLength: 5 })
      .map((pairs) => '?' + pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&')),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('?', '?&&==&', '?%', '?limit=%zz', '?limit', '?=1', '?cursor=%00', '?a=%ED%A0%80'),
  },
);

/** Any JSON value, including prototype keys, deep nesting and lone surrogates. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: nastyString },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 3000 }).map((depth) => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
      return v;
    }),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300_000 }).map((n) => 'x'.repeat(n)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      -1,
      0,
      1e308,
      -1e308,
      2 ** 53 + 1,
      1.5,
      true,
      null,
      [],
      {},
      ['Nash', 'Nash'],
      [''],
      [null],
      [1, 2, 3, 4],
      [-200, -100, 200, 100],
    ),
  },
);

export interface BodyTemplate {
  /** A body the route accepts (or nearly), which the mutations start from. */
  valid: Record<string, unknown>;
}

/** A JSON text of a body: the route's valid body with fields replaced, dropped or added, or anything else. */
export function jsonBody(valid: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  const extraKey = fc.oneof(
    fc.constantFrom(...keys, 'neighborhoods', 'extra', '__proto__', 'constructor', 'prototype', ''),
    nastyString,
  );
  const mutated = fc
    .tuple(
      fc.array(fc.tuple(extraKey, hostileJson), { maxLength: 3 }),
      fc.subarray(keys),
      fc.boolean(), // wrap the body in an array
    )
    .map(([sets, dropped, wrap]) => {
      // Built as text so that `__proto__` is a real key of the document, not a prototype assignment.
      const fields: [string, unknown][] = Object.entries(valid).filter(([k]) => !dropped.includes(k));
      for (const [k, v] of sets) {
        const i = fields.findIndex(([f]) => f === k);
        if (i >= 0) fields[i] = [k, v];
        else fields.push([k, v]);
      }
      const text = `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
      return wrap ? `[${text}]` : text;
    });
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(JSON.stringify(valid)) },
    { weight: 6, arbitrary: mutated },
    { weight: 2, arbitrary: hostileJson.map((v) => JSON.stringify(v) ?? 'null') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '{',
        '{"a":1,}',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{"x":1}}}',
        '{"a":"\\ud800"}',
        '{"a":"\\u0000"}',
        '\ufeff{}',
        'null',
        '1e999999',
        '"' + 'x'.repeat(1000) + '"',
      ),
    },
  );
}

/** Content types sent with JSON bodies; most are right so the body itself is tested. */
export const jsonContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'text/plain',
      'text/csv',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/merge-patch+json',
      'application/',
      ';;;',
    ),
  },
);

const PARCEL_HEADER =
  'parcel_id,neighborhood,property_class,land_sqft,building_sqft,year_built,quality,condition,bedrooms,' +
  'bathrooms,situs_address,lon,lat';
const HEADERS = {
  parcels: PARCEL_HEADER,
  sales: 'parcel_id,sale_date,sale_price,is_valid,validity_code,deed_type',
  assessments: 'parcel_id,tax_year,land_value,improvement_value,total_value',
} as const;
export type ImportKind = keyof typeof HEADERS;

const csvCell: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('P-1', 'FZ-000001', 'N01', 'residential', '2024-01-02', '100000', 'true', '3'),
  },
  { weight: 2, arbitrary: fc.constantFrom(...NUMBERISH) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom('"unterminated', '"a""b"', '"a\nb"', 'POLYGON((0 0,1 1,1 0,0 1,0 0))') },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((n) => 'y'.repeat(n)) },
);

/** A CSV file for an import: the right header (or a bent one) with hostile rows, or random bytes. */
export function csvFile(kind: ImportKind): fc.Arbitrary<Buffer> {
  const header = HEADERS[kind];
  const width = header.split(',').length;
  const bentHeader = fc.constantFrom(
    header,
    header,
    header.replaceAll(',', ';'),
    header.replaceAll(',', '\t'),
    header.toUpperCase(),
    header + ',extra',
    header.split(',').slice(1).join(','),
    header + ',' + header.split(',')[0],
    '',
  );
  const row = fc.array(csvCell, { minLength: width - 1, maxLength: width + 1 }).map((cells) => cells.join(','));
  const text = fc
    .tuple(
      bentHeader,
      fc.array(row, { maxLength: 6 }),
      fc.constantFrom('\n', '\r\n', '\r'),
      fc.constantFrom('', '\ufeff'),
    )
    .map(([h, rows, eol, bom]) => Buffer.from(bom + [h, ...rows].join(eol) + eol, 'utf8'));
  return fc.oneof(
    { weight: 5, arbitrary: text },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)) },
    {
      weight: 1,
      arbitrary: text.map((b) =>
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')]),
      ),
    },
    { weight: 1, arbitrary: text.map((b) => Buffer.concat([Buffer.from([0xfe, 0xff]), b])) },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  );
}

const coordinate = fc.oneof(
  fc.double({ min: -180, max: 180, noNaN: true }),
  fc.constantFrom<unknown>(1e308, -1e308, 181, -91, 0, '1', null, [], Number.MAX_SAFE_INTEGER),
);
const position = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(coordinate, coordinate) },
  { weight: 1, arbitrary: fc.array(coordinate, { maxLength: 4 }) },
);
const ring = fc.oneof(
  fc.array(position, { maxLength: 8 }),
  fc.constant([
    [0, 0],
    [1, 1],
    [1, 0],
    [0, 1],
    [0, 0],
  ]),
  fc.constant([
    [0, 0],
    [1, 0],
    [1, 1],
  ]),
);
const geometry: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ type: fc.constant('Point'), coordinates: position }),
  fc.record({ type: fc.constant('Polygon'), coordinates: fc.array(ring, { maxLength: 3 }) }),
  fc.record({
    type: fc.constant('MultiPolygon'),
    coordinates: fc.array(fc.array(ring, { maxLength: 2 }), { maxLength: 2 }),
  }),
  fc.record({ type: fc.constantFrom('LineString', 'GeometryCollection', 'Circle', ''), coordinates: fc.jsonValue() }),
  fc.constantFrom<unknown>(null, {}, [], 'POLYGON((0 0,1 0,1 1,0 0))'),
);
const featureProperties = fc.record(
  {
    parcel_id: fc.oneof(fc.constantFrom('GJ-1', 'GJ-2'), nastyString, fc.jsonValue()),
    neighborhood: fc.oneof(fc.constant('N01'), nastyString),
    property_class: fc.oneof(fc.constant('residential'), nastyString),
    land_sqft: fc.oneof(fc.constant(5000), fc.jsonValue()),
    lon: coordinate,
    lat: coordinate,
  },
  { requiredKeys: [] },
);

/** A GeoJSON upload: feature collections with hostile geometry and properties, or anything else. */
export const geoJsonFile: fc.Arbitrary<Buffer> = fc
  .oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(
          fc.record(
            { type: fc.constantFrom<unknown>('Feature', 'feature', null), properties: featureProperties, geometry },
            { requiredKeys: ['type'] },
          ),
          { maxLength: 4 },
        )
        .map((features) => JSON.stringify({ type: 'FeatureCollection', features })),
    },
    { weight: 1, arbitrary: hostileJson.map((v) => JSON.stringify(v) ?? '') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"type":"FeatureCollection","features":[',
        '\ufeff{"type":"FeatureCollection","features":[]}',
        '',
      ),
    },
  )
  .map((text) => Buffer.from(text, 'utf8'));

export const IMPORT_CONTENT_TYPES = [
  'text/csv',
  'application/geo+json',
  'application/json',
  'text/plain',
  'text/csv; charset=utf-16',
];
