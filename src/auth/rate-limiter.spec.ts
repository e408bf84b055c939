import { describe, expect, it } from '@jest/globals';
import { FixedWindowLimiter } from './rate-limiter.js';

describe('FixedWindowLimiter', () => {
  it('allows the limit per window, then refuses with the seconds until reset', () => {
    let now = 1_000_000;
    const limiter = new FixedWindowLimiter(3, 60_000, () => now);
    expect([1, 2, 3].map(() => limiter.hit('k').allowed)).toEqual([true, true, true]);
    const refused = limiter.hit('k');
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 60 });
    expect(limiter.hit('other').allowed).toBe(true);
    now += 59_500;
    expect(limiter.hit('k').retryAfterSeconds).toBe(1);
    now += 500;
    expect(limiter.hit('k')).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 60 });
  });

  it('stays bounded under a flood of distinct keys', () => {
    const limiter = new FixedWindowLimiter(1, 60_000);
    for (let i = 0; i < 120_000; i++) limiter.hit(`ip:${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100_000);
  });
});
