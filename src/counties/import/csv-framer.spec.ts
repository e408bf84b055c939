import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { CsvFramer, splitCsvRecord, wktToStagingJson } from './csv-framer.js';
import { parcelsSpec, salesSpec, type ImportKindSpec } from './import-formats.js';

const SALES = 'parcel_id,sale_date,sale_price,is_valid,validity_code,deed_type';

/** Runs the framer over `chunks` and answers what COPY would receive, with the framer. */
async function frame(spec: ImportKindSpec<unknown>, chunks: (string | Buffer)[]) {
  const framer = new CsvFramer(spec);
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  await pipeline(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), framer, sink);
  return { framer, copied: Buffer.concat(out).toString('utf8'), header: await framer.header };
}

/** The same input cut into pieces of `size` bytes: framing must not depend on chunk boundaries. */
const pieces = (s: string, size: number) => {
  const b = Buffer.from(s);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
};

describe('CsvFramer', () => {
  it('drops the header and a BOM, passes records on as they are, and knows each record’s line', async () => {
    const body = `\ufeff${SALES.toUpperCase()}\nP-1,2024-01-01,100,true,,\n\nP-2,"2024-01-02","1,5",false,"a\nb",WD\nP-3,2024-01-03,5,t,,\n`;
    for (const chunks of [[body], pieces(body, 1), pieces(body, 7)]) {
      const { framer, copied, header } = await frame(salesSpec, chunks);
      expect(header).toEqual(SALES.split(','));
      expect(copied).toBe('P-1,2024-01-01,100,true,,\nP-2,"2024-01-02","1,5",false,"a\nb",WD\nP-3,2024-01-03,5,t,,\n');
      expect(framer.stats).toMatchObject({ rowsRead: 3, forwarded: 3, rejected: 0, rejectedRows: [] });
      expect([1, 2, 3].map((n) => framer.lineOf(n))).toEqual([2, 4, 6]);
    }
  });

  it('tells plain values from special ones, at any chunk boundary never calling a special one plain', async () => {
    // Each record with the fields (1-based) whose values are special.
    const records: [string, number[]][] = [
      ['P-1,2024-01-01,100,true,,', []],
      ['P-2, 2024-01-02,100,true,,', [2]], // blank before a value
      ['P-3,2024-01-03 ,100,true,,', [2]], // blank after a value
      ['P-4,"2024-01-04",100,true,,', []],
      ['P-5," 2024-01-05",100,true,,', [2]], // blank inside the quotes
      ['P-6,"2024-01-06 ",100,true,,', [2]],
      ['P-7,"2024-01-07" ,100,true,,', [2]], // blank after the closing quote
      ['P-8,2024-01-08,0x10,true,,', [3]], // hex
      ['P-9,2024-01-09,"0X10",true,,', [3]],
      ['P-10,2024-01-10,100,true,,Peña', [6]], // beyond ASCII
      ['P-11,2024-01-11,100,true,,a\tb', [6]], // tab
      ['P-12,2024-01-12,100,true,"a\nb",', [5]], // line break in a value
      ['P-13,2024-01-13,100,true,"say ""hi""",', []],
      ['P-14,2024-01-14,100,true,,WD ', [6]], // blank at the end of the record
      ['P-15,2024-01-15,1x0,true,,', []],
      ['P-16,2024-01-16,100,true,"a, b",', []],
      ['P-17,2024-01-17,100,true,,\u007f', [6]], // DEL
      ['P-18,2024-01-18,100,true,"a "" ",', [5]], // ends with a blank after an escaped quote
      ['P-19,2024-01-19,100,true,"",', []],
      [' P-20,2024-01-20,100\t,true,,', [1, 3]],
      ['P-21,2024-01-21,100,true,,WD', []],
    ];
    const body = `${SALES}\n${records.map(([r]) => r).join('\n')}\n`;
    const expected = records.flatMap(([, fields], i) =>
      fields.length ? [{ ordinal: i + 1, mask: fields.reduce((m, f) => m | (1 << (f - 1)), 0) }] : [],
    );
    const special = (framer: CsvFramer) => {
      const { ordinals, masks } = framer.specialRecords();
      return Array.from(ordinals, (ordinal, k) => ({ ordinal, mask: masks[k] }));
    };
    const whole = await frame(salesSpec, [body]);
    expect(special(whole.framer)).toEqual(expected);
    expect(whole.framer.stats.special).toBe(expected.length);
    for (const size of [1, 2, 3, 5, 8, 13]) {
      const found = new Map(
        special((await frame(salesSpec, pieces(body, size))).framer).map((r) => [r.ordinal, r.mask]),
      );
      for (const { ordinal, mask } of expected)
        expect([ordinal, (found.get(ordinal) ?? 0) & mask]).toEqual([ordinal, mask]);
    }
    const crlf = await frame(salesSpec, [`${SALES}\r\nP-1,2024,1,t,,WD \r\nP-2,2024,1,t,,WD\r\n`]);
    expect(special(crlf.framer)).toEqual([{ ordinal: 1, mask: 1 << 5 }]);
    // A NUL or a bare CR inside makes every field special (the record is rewritten).
    const nul = await frame(salesSpec, [`${SALES}\nP-1,2024,1,t,,a\u0000b\nP-2,2024,1\r0,t,,\n`]);
    expect(special(nul.framer)).toEqual([
      { ordinal: 1, mask: -1 },
      { ordinal: 2, mask: -1 },
    ]);
  });

  it('sets aside rows with the wrong number of fields and skips rows of empty values', async () => {
    const body = `${SALES}\nP-1,2024-01-01,100,true,,\n , ,,,,\n"P-2",x\nP-3,2024-01-03,5,t,,,extra\n`;
    const { framer, copied } = await frame(salesSpec, [body]);
    expect(copied).toBe('P-1,2024-01-01,100,true,,\n');
    expect(framer.stats.rowsRead).toBe(3);
    expect(framer.stats.rejectedRows).toEqual([
      { line: 4, parcel_id: 'P-2', errors: [{ field: 'row', message: 'has 2 fields but the header has 6' }] },
      { line: 5, parcel_id: 'P-3', errors: [{ field: 'row', message: 'has 7 fields but the header has 6' }] },
    ]);
  });

  it('rewrites records whose line end differs from the first one, and CRs or NULs in values', async () => {
    const body = `${SALES}\r\nP-1,2024-01-01,100,true,,\r\nP-2,2024-01-02,100,true,,\nP-3,2024-01-03,1\r0,true,,\r\n`;
    const { copied } = await frame(salesSpec, pieces(body, 3));
    expect(copied).toBe(
      'P-1,2024-01-01,100,true,,\r\n"P-2","2024-01-02","100","true",,\r\n"P-3","2024-01-03","1\r0","true",,\r\n',
    );
  });

  it('refuses bad and missing headers, unclosed and stray quotes, and files without rows with 400', async () => {
    await expect(frame(salesSpec, ['parcel_id,color\n'])).rejects.toMatchObject({
      statusCode: 400,
      detail: expect.stringMatching(/has unknown columns: color; lacks required columns: sale_date/),
    });
    await expect(frame(salesSpec, [''])).rejects.toMatchObject({
      detail: 'The file is empty: expected a header row.',
    });
    await expect(frame(salesSpec, [`${SALES}\n\n`])).rejects.toMatchObject({ detail: 'The file has no data rows.' });
    await expect(frame(salesSpec, [`${SALES}\nP-1,"2024\n`])).rejects.toMatchObject({
      detail: expect.stringMatching(/^The CSV is malformed near line 2: Quote Not Closed/),
    });
    await expect(frame(salesSpec, [`${SALES}\nP-1,20"24,1,t,,\n`])).rejects.toMatchObject({
      detail: expect.stringMatching(/^The CSV is malformed near line 2: Invalid Opening Quote/),
    });
    await expect(frame(salesSpec, [`${SALES}\nP-1,"2024"x,1,t,,\n`])).rejects.toMatchObject({
      detail: expect.stringMatching(/^The CSV is malformed near line 2: Invalid Closing Quote/),
    });
  });

  it('turns geometry_wkt into GeoJSON with its centroid, or the parser’s message', async () => {
    const columns = [...parcelsSpec.requiredColumns, 'geometry_wkt'];
    const row = (wkt: string) => `P-1,N,vacant,,,,,,,,,,,"${wkt}"\n`;
    const body = `${columns.join(',')}\n${row('POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))')}${row('POINT (1 2)')}${row(' ')}`;
    const { copied } = await frame(parcelsSpec, [body]);
    const lines = copied.trim().split('\n');
    expect(lines).toHaveLength(3);
    const wkt = lines.map((l) => splitCsvRecord(l)[13]);
    expect(JSON.parse(wkt[0])).toEqual({
      g: {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [2, 0],
            [2, 2],
            [0, 2],
            [0, 0],
          ],
        ],
      },
      c: [1, 1],
    });
    expect(JSON.parse(wkt[1])).toEqual({ e: 'POINT is not supported: expected POLYGON or MULTIPOLYGON' });
    expect(wkt[2]).toBe('');
    expect(wktToStagingJson('  ')).toBe('');
  });
});
