import { describe, expect, it } from '@jest/globals';
import { copyDecode } from '../database/copy-text.js';
import { copyRecords, exportCopySql, parseCopyLine } from './gis-export.repository.js';

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
const line = (geometry: string, address = '12 Main St') =>
  [
    'P-1',
    'N1',
    'residential',
    '7405.5',
    '\\N',
    '1987',
    '3',
    '4',
    '3',
    '2.5',
    address,
    '-86.123456789',
    '39.5',
    geometry,
    '1000.00',
    '2000.00',
    '3000.00',
  ].join('\t');

describe('export rows from COPY text', () => {
  it('undoes COPY escapes and reads \\N as null', () => {
    expect(copyDecode('a\\tb\\nc\\\\d\\re')).toBe('a\tb\nc\\d\re');
    expect(copyDecode('\\N')).toBeNull();
    expect(copyDecode('\\\\N')).toBe('\\N');
  });

  it('parses a row: text, numbers as text, rounded location, tax year, values, oriented geometry', () => {
    const cw = '{"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}';
    const r = parseCopyLine(line(cw, 'Apt 1\\t"B"'), '2025');
    expect(r.values).toEqual([
      'P-1',
      'N1',
      'residential',
      '7405.5',
      null,
      '1987',
      '3',
      '4',
      '3',
      '2.5',
      'Apt 1\t"B"',
      '-86.1234568',
      '39.5',
      '2025',
      '1000.00',
      '2000.00',
      '3000.00',
    ]);
    expect(r.geometry).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ],
      ],
    });
    expect(parseCopyLine(line('\\N'), null).geometry).toBeNull();
    expect(parseCopyLine(line('\\N').replace('7405.5', 'NaN'), null).values[3]).toBeNull();
    expect(() => parseCopyLine('a\tb', null)).toThrow('unexpected COPY row with 2 columns');
  });

  it('splits rows across chunk boundaries, also inside a multi-byte character', async () => {
    const text = Buffer.from(line('\\N', 'Zürich 1') + '\n' + line('\\N', 'Straße 2') + '\n');
    const cut = text.indexOf('ü') + 1; // between the two bytes of ü
    async function* chunks() {
      yield text.subarray(0, cut);
      yield text.subarray(cut, cut + 7);
      yield text.subarray(cut + 7);
    }
    const all = [];
    for await (const batch of copyRecords(chunks(), 2024)) all.push(...batch);
    expect(all.map((r) => r.values[10])).toEqual(['Zürich 1', 'Straße 2']);
    async function* broken() {
      yield Buffer.from('P-1\tN1');
    }
    await expect(async () => {
      for await (const _ of copyRecords(broken(), null)) void _;
    }).rejects.toThrow('COPY output ended in the middle of a row');
  });

  it('builds the COPY query with quoted literals and only the filters given', () => {
    const sql = exportCopySql(
      {
        countyId: "o'brien",
        values: {
          requested: 'certified',
          used: 'certified',
          tax_year: 2025,
          job_id: null,
          adopted: false,
          certified_fallback: false,
        },
        neighborhoods: ["N'1"],
        propertyClasses: ['vacant'],
        bbox: [-87, 39, -86, 40],
      },
      quote,
    );
    expect(sql).toContain(`p.county_id = 'o''brien'`);
    expect(sql).toContain(`p.neighborhood = ANY (ARRAY['N''1']::text[])`);
    expect(sql).toContain(`p.property_class = ANY (ARRAY['vacant']::text[])`);
    expect(sql).toContain('p.lon BETWEEN -87 AND -86 AND p.lat BETWEEN 39 AND 40');
    expect(sql).toContain(
      `LEFT JOIN (SELECT a.parcel_id, a.land_value, a.improvement_value, a.total_value FROM assessments a WHERE a.county_id = 'o''brien' AND a.tax_year = 2025) a ON a.parcel_id = p.parcel_id`,
    );
    expect(sql.startsWith('COPY (SELECT ')).toBe(true);
    const bare = exportCopySql({ countyId: 'c', values: null }, quote);
    expect(bare).not.toContain('assessments');
    expect(bare).not.toContain('ANY');
    expect(() => exportCopySql({ countyId: 'c', values: null, bbox: [NaN, 0, 1, 1] }, quote)).toThrow(RangeError);
  });
});
