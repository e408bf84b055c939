// CSV framing for set-wise imports: finds record boundaries in the raw bytes (quote-aware, one pass, no
// per-value strings), checks the header, sets aside rows with the wrong number of fields, and passes
// the other records on as bytes for PostgreSQL's own CSV parser (`COPY … (FORMAT csv)`).
import { Transform, type TransformCallback } from 'node:stream';
import { centroid, GeometryError, parseWkt } from './geometry.js';
import type { ImportKindSpec } from './import-formats.js';
import { EmptyImportProblem, ImportAbortedProblem, MalformedImportProblem } from './import-problems.js';
import {
  countRejected,
  fieldCountError,
  headerColumns,
  MAX_CSV_RECORD_BYTES,
  type RejectedRow,
} from './import-streams.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const NUL = 0x00;
const ZERO = 0x30;
const TILDE = 0x7e;
/** `x` or `X` once OR-ed with 0x20. */
const LOWER_X = 0x78;

// Scanner states.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3; // a quote inside a quoted value: either `""` or the closing quote
const AFTER_CLOSE = 4; // after a closing quote: only blanks until the delimiter

/**
 * The column of a CSV file that the framer turns into something else before COPY. `geometry_wkt` is
 * parsed here (the WKT reader and its messages are shared with the GeoJSON import) and sent on as
 * JSON: `{"g": GeoJSON, "c": [lon, lat]}` (geometry and centroid) or `{"e": "message"}`.
 */
export const WKT_COLUMN = 'geometry_wkt';

export function wktToStagingJson(text: string): string {
  const value = text.trim();
  if (value === '') return '';
  try {
    const geometry = parseWkt(value);
    return JSON.stringify({ g: geometry, c: centroid(geometry) });
  } catch (error) {
    if (error instanceof GeometryError) return JSON.stringify({ e: error.message });
    throw error;
  }
}

/**
 * Splits one complete, well-formed record (without its line end) into values, as csv-parse with
 * `trim: true` does: blanks around unquoted values and around quotes are dropped, `""` is a quote.
 */
export function splitCsvRecord(s: string): string[] {
  const out: string[] = [];
  const n = s.length;
  let i = 0;
  for (;;) {
    while (i < n && (s[i] === ' ' || s[i] === '\t')) i++;
    let value: string;
    if (s[i] === '"') {
      value = '';
      i++;
      for (;;) {
        const q = s.indexOf('"', i);
        if (q < 0) {
          value += s.slice(i);
          i = n;
          break;
        }
        value += s.slice(i, q);
        if (s[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const comma = s.indexOf(',', i);
      i = comma < 0 ? n : comma;
    } else {
      const comma = s.indexOf(',', i);
      value = (comma < 0 ? s.slice(i) : s.slice(i, comma)).replace(/[ \t]+$/, '');
      i = comma < 0 ? n : comma;
    }
    out.push(value);
    if (i >= n) break;
    i++;
  }
  return out;
}

/** A value as a quoted CSV field for COPY; NUL (which PostgreSQL text cannot hold) becomes U+0001. */
function csvField(value: string): string {
  if (value === '') return '';
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/"/g, '""').replace(/\u0000/g, '\u0001')}"`;
}

export interface FramerStats {
  /** Records that reached validation (blank and all-empty records are skipped, as before). */
  rowsRead: number;
  /** Records passed on to COPY. */
  forwarded: number;
  /** Records refused for their shape (wrong number of fields). */
  rejected: number;
  /** The first REJECTED_ROWS_SHOWN of them. */
  rejectedRows: RejectedRow[];
  /** Records passed on with a special value (see CsvFramer.specialRecords). */
  special: number;
}

/** The passed-on records with special values: ordinals (1-based, ascending) and which fields (bit n−1 = field n). */
export interface SpecialRecords {
  ordinals: Int32Array;
  masks: Int32Array;
}

/**
 * Bytes in → COPY CSV bytes out (no header). `header` resolves with the file's column names (trimmed,
 * lower-case) once the header record is read and checked; it rejects with the 400 for a bad or missing
 * header. `lineOf(ordinal)` gives the file line of the n-th record passed on (1-based).
 */
export class CsvFramer extends Transform {
  readonly stats: FramerStats = { rowsRead: 0, forwarded: 0, rejected: 0, rejectedRows: [], special: 0 };
  readonly header: Promise<string[]>;
  private resolveHeader!: (columns: string[]) => void;
  private rejectHeader!: (error: Error) => void;
  private columns: string[] | null = null;
  private parcelIndex = -1;
  private wktIndex = -1;
  private lines: Int32Array = new Int32Array(1024);
  private specials: Int32Array = new Int32Array(64);
  private specialMasks: Int32Array = new Int32Array(64);
  private first = true;

  // Scanner state; it survives chunk boundaries.
  private state = FIELD_START;
  private fieldCount = 1;
  private nonEmpty = false;
  /** A CR just before LF (the record ends at that LF) or as a chunk's last byte (the next chunk decides). */
  private crPending = false;
  private bareCr = false;
  private hasNul = false;
  /** Fields of the current record found special so far (bit n−1 = field n; fields past 31 mark all). */
  private specialMask = 0;
  private recordBytes = 0;
  private line = 1;
  private recordLine = 1;
  /** Parts of the current record that arrived in earlier chunks. */
  private carry: Buffer[] = [];
  /** Line end of the records passed on as they are ('\n' or '\r\n'); others are rewritten to it. */
  private eol: string | null = null;

  constructor(private readonly spec: ImportKindSpec<unknown>) {
    super({ readableHighWaterMark: 256 * 1024 });
    this.header = new Promise((resolve, reject) => {
      this.resolveHeader = resolve;
      this.rejectHeader = reject;
    });
    this.header.catch(() => undefined);
    this.once('error', (error) => this.rejectHeader(error));
    this.once('close', () => this.rejectHeader(new ImportAbortedProblem()));
  }

  /** The file line on which the `ordinal`-th passed-on record (1-based) starts. */
  lineOf(ordinal: number): number {
    return this.lines[ordinal - 1];
  }

  /**
   * The passed-on records with special values, and which. A value is plain when its field is printable
   * ASCII only (no tab, control character or line break, nothing beyond U+007E), has no blank at its start
   * or end (inside or outside quotes) and no `0x`/`0X`: PostgreSQL reads it as it will be stored, so SQL
   * validation can skip trimming and the checks for control characters and hex numbers. A field cut by a
   * chunk boundary at an awkward byte counts as special; a record with a CR or NUL inside is special in
   * every field.
   */
  specialRecords(): SpecialRecords {
    const n = this.stats.special;
    return { ordinals: this.specials.subarray(0, n), masks: this.specialMasks.subarray(0, n) };
  }

  /** The current field has a special value. */
  private markSpecial(): void {
    this.specialMask |= this.fieldCount <= 31 ? 1 << (this.fieldCount - 1) : -1;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      if (this.first) {
        this.first = false;
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      }
      this.scan(chunk);
      cb();
    } catch (error) {
      cb(error as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (this.state === QUOTED) {
        throw new MalformedImportProblem(
          `The CSV is malformed near line ${this.recordLine}: Quote Not Closed: the parsing is finished with an opening quote at line ${this.recordLine}`,
        );
      }
      if (this.carry.length || this.recordBytes > 0) this.endRecord(Buffer.alloc(0), 0, 0, 0);
      if (this.columns === null) throw new EmptyImportProblem('The file is empty: expected a header row.');
      if (this.stats.rowsRead === 0) throw new EmptyImportProblem('The file has no data rows.');
      cb();
    } catch (error) {
      cb(error as Error);
    }
  }

  private scan(b: Buffer): void {
    const n = b.length;
    if (this.crPending && n > 0 && b[0] !== LF) {
      this.crPending = false;
      this.bareCr = true;
    }
    let state = this.state;
    let i = 0;
    /** Start of the current record in `b` (0 when it began in an earlier chunk). */
    let recordStart = 0;
    /** Start of the bytes not yet pushed or dropped. */
    this.runStart = 0;
    let bytesBefore = this.recordBytes;
    while (i < n) {
      const c = b[i];
      if (state === UNQUOTED) {
        if (c === COMMA) {
          if (i === 0 || b[i - 1] === SPACE) this.markSpecial();
          this.fieldCount++;
          state = FIELD_START;
        } else if (c === LF) {
          if (i === 0 || b[i - 1] === SPACE) this.markSpecial();
          this.endRecord(b, recordStart, i, i + 1);
          state = FIELD_START;
          recordStart = i + 1;
          bytesBefore = 0;
        } else if (c === QUOTE) {
          throw new MalformedImportProblem(
            `The CSV is malformed near line ${this.line}: Invalid Opening Quote: a quote is found in field ${this.fieldCount} at line ${this.line}`,
          );
        } else if (c === CR) {
          if (i === 0 || b[i - 1] === SPACE) this.markSpecial();
          this.checkCr(b, i);
        } else if (c < SPACE || c > TILDE) {
          this.markSpecial();
          if (c === NUL) this.hasNul = true;
        } else if ((c | 0x20) === LOWER_X && (i === 0 || b[i - 1] === ZERO)) {
          this.markSpecial();
        }
      } else if (state === FIELD_START) {
        if (c === COMMA) {
          this.fieldCount++;
        } else if (c === LF) {
          this.endRecord(b, recordStart, i, i + 1);
          recordStart = i + 1;
          bytesBefore = 0;
        } else if (c === QUOTE) {
          state = QUOTED;
          if (i + 1 === n || b[i + 1] === SPACE) this.markSpecial();
        } else if (c === CR) {
          this.checkCr(b, i);
        } else if (c === SPACE || c === TAB) {
          this.markSpecial();
        } else {
          state = UNQUOTED;
          this.nonEmpty = true;
          if (c < SPACE || c > TILDE) {
            this.markSpecial();
            if (c === NUL) this.hasNul = true;
          }
        }
      } else if (state === QUOTED) {
        const q = b.indexOf(QUOTE, i);
        const end = q < 0 ? n : q;
        if (end > i) this.nonEmpty = true;
        for (let j = i; j < end; j++) {
          const d = b[j];
          if (d < SPACE || d > TILDE) {
            this.markSpecial();
            if (d === LF) this.line++;
            else if (d === NUL) this.hasNul = true;
          } else if ((d | 0x20) === LOWER_X && (j === 0 || b[j - 1] === ZERO)) {
            this.markSpecial();
          }
        }
        if (q < 0) break; // the value goes on in the next chunk
        i = q;
        state = QUOTE_IN_QUOTED;
      } else if (state === QUOTE_IN_QUOTED) {
        // Unless this is the second quote of `""`, the value ended at the quote before: its last byte is i - 2.
        if (c !== QUOTE && (i < 2 || b[i - 2] === SPACE)) this.markSpecial();
        if (c === QUOTE) {
          state = QUOTED;
          this.nonEmpty = true;
        } else if (c === COMMA) {
          this.fieldCount++;
          state = FIELD_START;
        } else if (c === LF) {
          this.endRecord(b, recordStart, i, i + 1);
          state = FIELD_START;
          recordStart = i + 1;
          bytesBefore = 0;
        } else if (c === SPACE || c === TAB) {
          state = AFTER_CLOSE;
          this.markSpecial();
        } else if (c === CR) {
          state = AFTER_CLOSE;
          this.checkCr(b, i);
        } else this.invalidClosingQuote(c);
      } else {
        // AFTER_CLOSE
        if (c === COMMA) {
          this.fieldCount++;
          state = FIELD_START;
        } else if (c === LF) {
          this.endRecord(b, recordStart, i, i + 1);
          state = FIELD_START;
          recordStart = i + 1;
          bytesBefore = 0;
        } else if (c === CR) {
          this.checkCr(b, i);
        } else if (c !== SPACE && c !== TAB) this.invalidClosingQuote(c);
      }
      i++;
    }
    this.state = state;
    // The run of records that ended in this chunk leaves now; the unfinished record waits for more bytes.
    if (recordStart > this.runStart) this.push(b.subarray(this.runStart, recordStart));
    if (recordStart < n) {
      this.carry.push(b.subarray(recordStart, n));
      this.recordBytes = bytesBefore + (n - recordStart);
      if (this.recordBytes > MAX_CSV_RECORD_BYTES) {
        throw new MalformedImportProblem(
          `The CSV is malformed near line ${this.recordLine}: Max Record Size: record exceed the maximum number of tolerated bytes of ${MAX_CSV_RECORD_BYTES} at line ${this.recordLine}`,
        );
      }
    } else {
      this.recordBytes = bytesBefore;
    }
  }

  private runStart = 0;

  private checkCr(b: Buffer, i: number): void {
    // A CR directly before LF ends the record with it; any other CR is data.
    if (i + 1 < b.length) {
      if (b[i + 1] !== LF) this.bareCr = true;
      else this.crPending = true;
    } else {
      this.crPending = true; // decided by the next chunk (or the end of the file)
    }
  }

  private invalidClosingQuote(c: number): never {
    throw new MalformedImportProblem(
      `The CSV is malformed near line ${this.line}: Invalid Closing Quote: got "${String.fromCharCode(c)}" at line ${this.line} instead of delimiter, record delimiter or trimable character`,
    );
  }

  /**
   * One record is complete: bytes [start, lfAt) of `b` (plus the carried parts), ending with a line
   * feed at `lfAt` (or at the end of the file when lfAt === end).
   */
  private endRecord(b: Buffer, start: number, lfAt: number, end: number): void {
    const atEof = lfAt === end;
    // A CR that was held back at a chunk boundary and is not followed by LF is data.
    const crlf = !atEof && this.crPending;
    if (atEof && this.crPending) this.bareCr = true;
    const recordLine = this.recordLine;
    const inChunk = this.carry.length === 0;
    const whole = (): Buffer => (inChunk ? b.subarray(start, end) : Buffer.concat([...this.carry, b.subarray(0, end)]));
    const content = (): string => {
      const all = whole();
      const cut = atEof ? all.length : all.length - (crlf ? 2 : 1);
      return all.toString('utf8', 0, cut);
    };

    let output: string | null = null; // rewritten record
    let forwardAsIs = false;
    if (!this.nonEmpty) {
      // blank line or only empty values: skipped, as before
    } else if (this.columns === null) {
      this.readHeader(content());
    } else {
      this.stats.rowsRead++;
      if (this.fieldCount !== this.columns.length) {
        this.rejectShape(recordLine, this.fieldCount, content);
      } else {
        const eol = atEof ? null : crlf ? '\r\n' : '\n';
        if (this.eol === null && eol !== null && this.wktIndex < 0) this.eol = eol;
        if (this.wktIndex >= 0 || this.bareCr || this.hasNul || (eol !== null && eol !== this.eol)) {
          const fields = splitCsvRecord(content());
          if (this.wktIndex >= 0) fields[this.wktIndex] = wktToStagingJson(fields[this.wktIndex]);
          this.eol ??= '\n';
          output = fields.map(csvField).join(',') + this.eol;
        } else {
          forwardAsIs = true;
        }
        this.remember(recordLine, this.bareCr || this.hasNul ? -1 : this.specialMask);
      }
    }

    if (!(forwardAsIs && inChunk)) {
      const upTo = inChunk ? start : 0;
      if (upTo > this.runStart) this.push(b.subarray(this.runStart, upTo));
      if (forwardAsIs) this.push(whole());
      else if (output !== null) this.push(Buffer.from(output, 'utf8'));
      this.runStart = end;
    }

    if (!atEof) this.line++;
    this.carry = [];
    this.fieldCount = 1;
    this.nonEmpty = false;
    this.crPending = false;
    this.bareCr = false;
    this.hasNul = false;
    this.specialMask = 0;
    this.recordBytes = 0;
    this.recordLine = this.line;
  }

  private remember(line: number, specialMask: number): void {
    const n = this.stats.forwarded++;
    this.lines = setGrowing(this.lines, n, line);
    if (specialMask !== 0) {
      const k = this.stats.special++;
      this.specials = setGrowing(this.specials, k, n + 1);
      this.specialMasks = setGrowing(this.specialMasks, k, specialMask);
    }
  }

  private readHeader(text: string): void {
    const names = headerColumns(this.spec, splitCsvRecord(text));
    this.columns = names;
    this.parcelIndex = names.indexOf('parcel_id');
    this.wktIndex = names.indexOf(WKT_COLUMN);
    this.resolveHeader(names);
  }

  private rejectShape(line: number, fields: number, content: () => string): void {
    countRejected(this.stats, line, [fieldCountError(fields, this.columns!.length)], () => {
      const values = splitCsvRecord(content());
      return this.parcelIndex >= 0 && this.parcelIndex < values.length ? values[this.parcelIndex] : '';
    });
  }
}

/** `array[at] = value`, doubling the array first when it is full; answers the array to keep. */
function setGrowing(array: Int32Array, at: number, value: number): Int32Array {
  let out = array;
  if (at === out.length) {
    out = new Int32Array(array.length * 2);
    out.set(array);
  }
  out[at] = value;
  return out;
}
