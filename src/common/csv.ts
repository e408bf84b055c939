// CSV (RFC 4180) text cells as both CSV outputs (GIS export, reports) write them.

const NEEDS_QUOTES = /[",\r\n]/;
// A text cell starting with one of these is read as a formula by spreadsheet programs (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

/** One text cell: neutralised against formula injection (a leading apostrophe), then quoted when needed. */
export function csvTextCell(value: string): string {
  const safe = FORMULA_START.test(value) ? "'" + value : value;
  return NEEDS_QUOTES.test(safe) ? '"' + safe.replace(/"/g, '""') + '"' : safe;
}
