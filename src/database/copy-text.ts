// PostgreSQL COPY text format (the default of COPY … FROM STDIN / TO STDOUT): what bulk loads write and exports read.
import { StringDecoder } from 'node:string_decoder';

export type CopyScalar = string | number | boolean | null;

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value: \N for null, with backslash, tab and line breaks escaped. */
export function copyValue(value: CopyScalar): string {
  if (value === null) return '\\N';
  if (typeof value !== 'string') return String(value);
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]) : value;
}

/** One row: tab-separated values and a line feed. */
export function copyLine(values: readonly CopyScalar[]): string {
  return values.map(copyValue).join('\t') + '\n';
}

const COPY_UNESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One field of a COPY … TO STDOUT line back to its text; null for \N. */
export function copyDecode(field: string): string | null {
  if (field.indexOf('\\') === -1) return field;
  if (field === '\\N') return null;
  return field.replace(/\\(.)/g, (_, c: string) => COPY_UNESCAPES[c] ?? c);
}

/**
 * Complete lines of a COPY … TO STDOUT stream, a chunk's worth at a time (a line may span chunks, a character
 * too). COPY output ends in a line feed: text after the last one is an error.
 */
export async function* copyLines(stream: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk);
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      rest = text;
      continue;
    }
    rest = text.slice(end + 1);
    yield text.slice(0, end).split('\n');
  }
  rest += decoder.end();
  if (rest !== '') throw new Error('COPY output ended in the middle of a row');
}
