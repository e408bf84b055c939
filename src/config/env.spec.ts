import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseEnv } from './env.js';

describe('parseEnv', () => {
  it('applies defaults', () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.NODE_ENV).toBe('development');
    expect(env.DEMO_DATA).toBe(true);
    expect(env.SHUTDOWN_DELAY_MS).toBe(5000);
  });

  it('names every bad setting and why in one error', () => {
    let error: unknown;
    try {
      parseEnv({ PORT: 'abc', DEMO_DATA: 'maybe', DATABASE_URL: 'mysql://x', SHUTDOWN_GRACE_MS: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT must be a whole number (got "abc")');
    expect(message).toContain('DEMO_DATA must be true or false');
    expect(message).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(message).not.toContain('mysql://x');
    expect(message).toContain('SHUTDOWN_GRACE_MS');
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('rejects out-of-range ports and a management port equal to PORT', () => {
    expect(() => parseEnv({ PORT: '70000' })).toThrow(/PORT must be between 0 and 65535/);
    expect(() => parseEnv({ PORT: '8080', MANAGEMENT_PORT: '8080' })).toThrow(/MANAGEMENT_PORT must differ from PORT/);
  });
});
