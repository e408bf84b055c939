// Business events: one log line per thing that happened to a county's data (an import finished, a
// valuation completed, an export was downloaded), with `event` naming it and its figures as fields, so
// log pipelines can count and chart them without parsing messages.
import { Injectable, Logger } from '@nestjs/common';

/** The events the service logs; add a name here to log a new one. */
export const BUSINESS_EVENTS = [
  'county_import_finished',
  'valuation_completed',
  'valuation_adopted',
  'export_downloaded',
] as const;
export type BusinessEventName = (typeof BUSINESS_EVENTS)[number];

/** A figure of an event: plain values only (never a token, a body or a personal field). */
export type EventFigure = string | number | boolean | null;

export interface BusinessEvent {
  /** The feature module or platform component it happened in (`counties`, `valuation`, `gis-export`). */
  module: string;
  county_id?: string;
  /** Set when the event belongs to a job. */
  job_id?: string;
  /** The user (token `sub`) who caused it, when a request did. */
  user_id?: string;
  /** What it amounted to: counts, sizes, durations (`inserted`, `parcel_count`, `bytes`, …). */
  figures?: Record<string, EventFigure>;
}

/**
 * `events.log('valuation_completed', { module: 'valuation', county_id, job_id, figures: { parcel_count } })`
 * writes one info line `{event: 'valuation_completed', module, county_id, job_id, parcel_count, …,
 * msg: 'event=valuation_completed county_id=… parcel_count=…'}`. Inject it anywhere (the logging module is
 * global). Figures are fields of their own, beside the common ones; a figure never replaces one of them.
 */
@Injectable()
export class BusinessEvents {
  private readonly logger = new Logger('BusinessEvents');

  log(event: BusinessEventName, details: BusinessEvent): void {
    const { module, county_id, job_id, user_id, figures = {} } = details;
    const own: Record<string, EventFigure | undefined> = { module, county_id, job_id, user_id };
    const line: Record<string, unknown> = { event };
    for (const [key, value] of Object.entries(own)) if (value !== undefined) line[key] = value;
    for (const [key, value] of Object.entries(figures)) {
      if (!(key in line) && key !== 'msg' && key !== 'level' && key !== 'time') line[key] = value;
    }
    line.msg = eventMessage(line);
    this.logger.log(line);
  }
}

/** `event=<name> key=value …` (values with blanks quoted), the line's readable message. */
export function eventMessage(line: Record<string, unknown>): string {
  const parts = [`event=${String(line.event)}`];
  for (const [key, value] of Object.entries(line)) {
    if (key === 'event' || key === 'module' || value === undefined) continue;
    const text = String(value);
    parts.push(`${key}=${/\s|"/.test(text) ? JSON.stringify(text) : text}`);
  }
  return parts.join(' ');
}
