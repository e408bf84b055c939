import { describe, expect, it } from '@jest/globals';
import PgBoss from 'pg-boss';
import { CircuitBreaker } from './callbacks/circuit-breaker.js';
import { serviceLabel, signBody } from './callbacks/job-callbacks.js';
import { isPrivateAddress, resolveCallbackTarget, staticCallbackProblem } from './callbacks/host-policy.js';
import { classifyError, JobStopped, PermanentJobError, TransientJobError } from './job-errors.js';
import { retryDelaySeconds } from './job-platform.js';
import { canonicalJson } from './jobs.service.js';
import { isIsoDate } from '../statistics/calendar.js';
import { bboxProblem } from './dto/validators.js';

describe('pg-boss', () => {
  it('loads under the ESM test runner', () => {
    expect(typeof PgBoss).toBe('function');
    expect(PgBoss.states.active).toBe('active');
  });
});

describe('classifyError', () => {
  it('retries database connection loss and explicit transient errors only', () => {
    expect(classifyError(Object.assign(new Error('x'), { code: '57P01' })).kind).toBe('transient');
    expect(classifyError(Object.assign(new Error('x'), { code: '08006' })).kind).toBe('transient');
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind).toBe(
      'transient',
    );
    expect(classifyError(new Error('Connection terminated unexpectedly')).kind).toBe('transient');
    expect(classifyError({ message: 'q', driverError: { code: '57P03' } }).kind).toBe('transient');
    expect(classifyError(new TransientJobError('later')).kind).toBe('transient');
    expect(classifyError(new TypeError('undefined is not a function'))).toEqual({
      kind: 'permanent',
      reason: 'internal_error',
      message: 'undefined is not a function',
      public: false,
    });
  });

  it('keeps the reason of permanent failures and of errors that carry one', () => {
    expect(classifyError(new PermanentJobError('insufficient_data', 'only 3 sales'))).toEqual({
      kind: 'permanent',
      reason: 'insufficient_data',
      message: 'only 3 sales',
      public: true,
    });
    expect(classifyError(Object.assign(new Error('bad'), { code: 'invalid_input' })).reason).toBe('invalid_input');
    expect(classifyError(Object.assign(new Error('none'), { reason: 'no_data' })).reason).toBe('insufficient_data');
    expect(classifyError(new JobStopped('timeout', 'too long'))).toMatchObject({ kind: 'stopped', reason: 'timeout' });
  });
});

describe('retryDelaySeconds', () => {
  it('doubles per attempt with jitter in [0.5, 1)', () => {
    for (let i = 0; i < 50; i++) {
      const d1 = retryDelaySeconds(4, 1);
      const d3 = retryDelaySeconds(4, 3);
      expect(d1).toBeGreaterThanOrEqual(2);
      expect(d1).toBeLessThan(4);
      expect(d3).toBeGreaterThanOrEqual(8);
      expect(d3).toBeLessThan(16);
    }
  });
});

describe('canonicalJson', () => {
  it('is independent of key order and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      canonicalJson({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });
});

describe('callback host policy', () => {
  it('knows private, loopback and link-local addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '100.64.1.1',
    ]) {
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['8.8.8.8', '151.101.1.69', '2606:4700::1111'])
      expect([a, isPrivateAddress(a)]).toEqual([a, false]);
  });

  it('rejects at submission what can never be called', () => {
    expect(staticCallbackProblem('ftp://x.example/', [])).toMatch(/http/);
    expect(staticCallbackProblem('https://u:p@x.example/', [])).toMatch(/credentials/);
    expect(staticCallbackProblem('http://127.0.0.1:9/h', [])).toMatch(/loopback or private/);
    expect(staticCallbackProblem('http://localhost:9/h', [])).toMatch(/loopback or private/);
    expect(staticCallbackProblem('https://hooks.example.gov/h', [])).toBeNull();
    expect(staticCallbackProblem('http://127.0.0.1:9/h', ['127.0.0.1'])).toBeNull();
    expect(staticCallbackProblem('https://other.example.gov/h', ['hooks.example.gov'])).toMatch(/not in the allowed/);
    expect(staticCallbackProblem('https://a.example.gov/h', ['*.example.gov'])).toBeNull();
    expect(staticCallbackProblem('https://example.gov/h', ['*.example.gov'])).toMatch(/not in the allowed/);
  });

  it('refuses names that resolve to private addresses unless listed', async () => {
    const toLoopback = async () => [{ address: '127.0.0.1', family: 4 }];
    const toPublic = async () => [{ address: '93.184.215.14', family: 4 }];
    expect(await resolveCallbackTarget(new URL('https://rebind.example/h'), [], toLoopback)).toEqual({
      refused: 'host "rebind.example" resolves to a non-public address (127.0.0.1)',
    });
    expect(await resolveCallbackTarget(new URL('https://ok.example/h'), [], toPublic)).toEqual({
      address: '93.184.215.14',
      family: 4,
    });
    expect(await resolveCallbackTarget(new URL('https://in.corp/h'), ['in.corp'], toLoopback)).toEqual({
      address: '127.0.0.1',
      family: 4,
    });
  });
});

describe('callback signature and labels', () => {
  it('is the hex HMAC-SHA256 of the exact body', () => {
    // echo -n '{"a":1}' | openssl dgst -sha256 -hmac key
    expect(signBody('{"a":1}', 'key')).toBe('sha256=88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342');
    expect(signBody('{"a":1}', 'key')).not.toBe(signBody('{"a":2}', 'key'));
    expect(serviceLabel('127.0.0.1')).toBe('webhook_127.0.0.1');
    expect(serviceLabel('::1')).toBe('webhook___1');
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold, half-opens after the cooldown, closes on a good trial', () => {
    let now = 0;
    const states: string[] = [];
    const b = new CircuitBreaker(
      3,
      1000,
      (s) => states.push(s),
      () => now,
    );
    for (let i = 0; i < 3; i++) {
      expect(b.tryAcquire()).toBe(true);
      b.failure();
    }
    expect(b.current).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    now = 1000;
    expect(b.tryAcquire()).toBe(true); // the one trial
    expect(b.tryAcquire()).toBe(false);
    b.failure();
    expect(b.current).toBe('open');
    now = 2000;
    expect(b.tryAcquire()).toBe(true);
    b.success();
    expect(b.current).toBe('closed');
    expect(states).toEqual(['open', 'half_open', 'open', 'half_open', 'closed']);
  });
});

describe('run body validators', () => {
  it('checks dates and bounding boxes', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-2-1')).toBe(false);
    expect(bboxProblem([-86.6, 39.1, -86.4, 39.2])).toBeNull();
    expect(bboxProblem([-86.4, 39.1, -86.6, 39.2])).toBe('min_lon must be less than max_lon');
    expect(bboxProblem([0, 95, 1, 96])).toBe('latitudes must be between -90 and 90');
    expect(bboxProblem([1, 2, 3])).toMatch(/four numbers/);
  });
});
