import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { ProblemException } from '../common/problem.js';
import { DetailedHealthGate } from './detailed-health.gate.js';

function context(user?: unknown): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => ({ user }) }) } as unknown as ExecutionContext;
}

function gate(isProduction: boolean): DetailedHealthGate {
  return new DetailedHealthGate({ isProduction } as never);
}

describe('DetailedHealthGate', () => {
  it('lets everyone through outside production', () => {
    expect(gate(false).canActivate(context())).toBe(true);
  });

  it('in production refuses a caller the permission guard did not authenticate', () => {
    let error: unknown;
    try {
      gate(true).canActivate(context());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).statusCode).toBe(403);
    expect((error as ProblemException).detail).toContain('health:details');
  });

  it('in production lets through a caller the permission guard authenticated', () => {
    expect(gate(true).canActivate(context({ sub: 'ops', permissions: ['health:details'] }))).toBe(true);
  });
});
