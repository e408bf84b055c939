import { describe, expect, it } from '@jest/globals';
import { ValidationProblem } from '../common/problem.js';
import { decodeParcelCursor, encodeParcelCursor } from './parcel-cursor.js';

describe('parcel cursor', () => {
  it('round-trips any parcel id as an opaque base64url string', () => {
    for (const id of ['P-00001', 'ü/ñ?&=+', 'x'.repeat(64)]) {
      const cursor = encodeParcelCursor(id);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeParcelCursor(cursor)).toBe(id);
    }
  });

  it.each(['', 'not a cursor', 'bm90LWpzb24', Buffer.from('{"v":2,"after":"x"}').toString('base64url')])(
    'refuses %j with a 400',
    (cursor) => {
      expect(() => decodeParcelCursor(cursor)).toThrow(ValidationProblem);
    },
  );
});
