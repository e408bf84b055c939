// Opaque keyset cursors for the parcel list: base64url of {"v":1,"after":<parcel_id>}.
import { ValidationProblem } from '../common/problem.js';

export function encodeParcelCursor(afterParcelId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterParcelId }), 'utf8').toString('base64url');
}

/** The parcel_id to continue after; a cursor not made by encodeParcelCursor is a 400. */
export function decodeParcelCursor(cursor: string): string {
  let after: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; after?: unknown };
    if (decoded?.v === 1) after = decoded.after;
  } catch {
    after = undefined;
  }
  // A NUL cannot be in a stored parcel_id, and PostgreSQL refuses it as a parameter (a 500): the input
  // rules never saw it, hidden in base64.
  if (typeof after !== 'string' || after === '' || after.includes('\u0000')) {
    throw new ValidationProblem(
      [{ field: 'cursor', message: 'is not a cursor this API issued; pass next_cursor from the previous page' }],
      'The cursor is invalid.',
    );
  }
  return after;
}
