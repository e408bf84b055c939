import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

export type ReadinessCheck = () => Promise<HealthIndicatorResult>;
/** A section of /health/detailed (its JSON value), contributed by the module that knows it. */
export type DetailSection = () => Promise<unknown> | unknown;

/**
 * Readiness checks contributed by other modules (e.g. the job queue registers itself on init),
 * so health does not import every feature. A check answers `{ [name]: { status: 'up' | 'down' } }`
 * (e.g. through Terminus' HealthIndicatorService); one that throws or takes longer than
 * HEALTH_DB_TIMEOUT_MS counts as down. Only up/down is shown publicly; keep details out of it.
 */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  unregister(name: string): void {
    this.checks.delete(name);
  }

  /** Name and check; readiness bounds each in time and reports it up/down under its name. */
  entries(): Array<[string, ReadinessCheck]> {
    return [...this.checks.entries()];
  }

  private readonly sections = new Map<string, DetailSection>();

  /**
   * A section of /health/detailed under `name` (e.g. the job platform's `queues` and
   * `external_services`). Bounded in time like the checks; one that throws or hangs is shown as
   * `{ status: 'down', error }` without failing the rest.
   */
  registerDetail(name: string, section: DetailSection): void {
    this.sections.set(name, section);
  }

  unregisterDetail(name: string): void {
    this.sections.delete(name);
  }

  detailSections(): Array<[string, DetailSection]> {
    return [...this.sections.entries()];
  }
}
