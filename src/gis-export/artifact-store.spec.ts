import { describe, expect, it } from '@jest/globals';
import { acceptsGzip } from './artifact-store.js';

describe('Accept-Encoding', () => {
  it('allows gzip when gzip, x-gzip or * is acceptable, unless gzip is refused with q=0', () => {
    const yes = [
      'gzip',
      'gzip, deflate, br',
      'br;q=1.0, GZIP;q=0.5',
      'x-gzip',
      '*',
      'identity, *;q=0.1',
      'deflate, gzip',
    ];
    const no = [
      undefined,
      '',
      'identity',
      'br, deflate',
      'gzip;q=0',
      'gzip;q=0.000, *',
      '*;q=0',
      'gzip;q=',
      '*, gzip;q=0',
    ];
    for (const h of yes) expect([h, acceptsGzip(h)]).toEqual([h, true]);
    for (const h of no) expect([h, acceptsGzip(h)]).toEqual([h, false]);
    expect(acceptsGzip(['br', 'gzip'])).toBe(true);
  });
});
