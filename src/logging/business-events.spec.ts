import { describe, expect, it } from '@jest/globals';
import { eventMessage } from './business-events.js';
import { moduleOfRoute } from './log-fields.js';

describe('eventMessage', () => {
  it('reads event=<name> then each field as key=value, quoting values with blanks or quotes', () => {
    expect(
      eventMessage({
        event: 'county_import_finished',
        module: 'counties',
        county_id: 'king-wa',
        inserted: 3,
        r_squared: null,
        note: 'two words',
        quote: 'a"b',
      }),
    ).toBe('event=county_import_finished county_id=king-wa inserted=3 r_squared=null note="two words" quote="a\\"b"');
  });
});

describe('moduleOfRoute', () => {
  it('names the feature module or platform component of a route template', () => {
    expect(moduleOfRoute('/api/v1/valuation/run')).toBe('valuation');
    expect(moduleOfRoute('/api/v1/gis-export/results/:job_id/download')).toBe('gis-export');
    expect(moduleOfRoute('/api/v1/counties/:county_id/parcels')).toBe('counties');
    expect(moduleOfRoute('/health/db')).toBe('health');
    expect(moduleOfRoute('/metrics')).toBe('observability');
    expect(moduleOfRoute('/info')).toBe('info');
    expect(moduleOfRoute('/docs/openapi.json')).toBe('openapi');
    expect(moduleOfRoute('unmatched')).toBe('http');
  });
});
