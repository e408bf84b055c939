// Job helpers for suites: polling a job's status route until it reaches a wanted status, and running a
// test processor in place of a module's own.
import { expect } from '@jest/globals';
import type { JobPlatform } from '../../src/jobs/job-platform.js';
import type { JobProcessor } from '../../src/jobs/job-processor.js';
import type { TestApp } from './test-app.js';

export interface WaitForJobOptions {
  /** Statuses that end the wait; by default the terminal ones. */
  statuses?: string[];
  timeoutMs?: number;
  intervalMs?: number;
  /** Expect every status answer to be 200 (a test assertion); off, any answer is read as it is. */
  expectOk?: boolean;
}

export const TERMINAL_STATUSES = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** GET /api/v1/{module}/status/{id} until its status is one of `statuses`; returns that status document. */
export async function waitForJob(
  t: TestApp,
  module: string,
  id: string,
  headers: Record<string, string>,
  options: WaitForJobOptions = {},
): Promise<Record<string, any>> {
  const { statuses = TERMINAL_STATUSES, timeoutMs = 30_000, intervalMs = 100, expectOk = true } = options;
  const started = Date.now();
  for (;;) {
    const res = await t.request('GET', `/api/v1/${module}/status/${id}`, { headers });
    if (expectOk) expect(res.status).toBe(200);
    const doc = res.json();
    if (statuses.includes(doc.status)) return doc;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`job ${id} still ${doc.status} after ${timeoutMs} ms (${JSON.stringify(doc)})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Runs `processor` for its module instead of the module's own, for suites that exercise the job platform
 * with processors of their own. Call it once every module registered (onApplicationBootstrap or later):
 * the platform looks a module's processor up each time it runs a job.
 */
export function useTestProcessor(platform: JobPlatform, processor: JobProcessor<never, unknown>): void {
  (platform as unknown as { processors: Map<string, unknown> }).processors.set(processor.module, processor);
}
