// PostgreSQL COPY text format (the default of COPY … FROM STDIN), as the bulk loads write it.

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
