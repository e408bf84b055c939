import { describe, expect, it } from '@jest/globals';
import { csvTextCell } from '../../common/csv.js';
import { xmlEscape } from './kml.writer.js';
import { dbfFields, formatNumber } from './shapefile.writer.js';

describe('format writers', () => {
  it('csv text cells: formula starts neutralised, RFC 4180 quoting', () => {
    expect(csvTextCell('plain')).toBe('plain');
    expect(csvTextCell('=1+2')).toBe("'=1+2");
    expect(csvTextCell('-5')).toBe("'-5");
    expect(csvTextCell('@x')).toBe("'@x");
    expect(csvTextCell('+x,y')).toBe(`"'+x,y"`);
    expect(csvTextCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvTextCell('two\nlines')).toBe('"two\nlines"');
  });

  it('xml text: markup escaped, characters XML 1.0 forbids dropped', () => {
    expect(xmlEscape(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(xmlEscape('bell\u0007tab\tok')).toBe('belltab\tok');
    expect(xmlEscape('Zürich')).toBe('Zürich');
  });

  it('dbf numbers: fixed decimals, integers kept, non-numbers null', () => {
    expect(formatNumber('2.5', 2)).toBe('2.50');
    expect(formatNumber('1987', 0)).toBe('1987');
    expect(formatNumber('800.126', 2)).toBe('800.13');
    expect(formatNumber('1e+20', 2)).toBe('100000000000000000000.00');
    expect(formatNumber('abc', 2)).toBeNull();
  });

  it('dbf fields: names ≤ 10 characters, character widths from the data within 1..254', () => {
    const fields = dbfFields({ textBytes: { parcel_id: 14, neighborhood: 0, situs_address: 900 } });
    for (const f of fields) expect(f.name.length).toBeLessThanOrEqual(10);
    expect(new Set(fields.map((f) => f.name)).size).toBe(fields.length);
    expect(fields.find((f) => f.name === 'PARCEL_ID')?.width).toBe(14);
    expect(fields.find((f) => f.name === 'NBHD')?.width).toBe(1);
    expect(fields.find((f) => f.name === 'SITUS_ADDR')?.width).toBe(254);
    expect(fields.find((f) => f.name === 'TOT_VAL')).toMatchObject({ type: 'N', width: 16, decimals: 2 });
  });
});
