import { describe, expect, it, jest } from '@jest/globals';
import { InvalidValuationInputError, monthsBefore, ValuationEngine } from './valuation-engine.js';
import type { ValuationRepository } from './valuation.repository.js';

describe('monthsBefore', () => {
  it('steps back whole calendar months, clamping the day', () => {
    expect(monthsBefore('2025-01-01', 36)).toBe('2022-01-01');
    expect(monthsBefore('2025-03-31', 1)).toBe('2025-02-28');
    expect(monthsBefore('2024-03-31', 1)).toBe('2024-02-29');
    expect(monthsBefore('2025-01-15', 13)).toBe('2023-12-15');
  });
});

describe('ValuationEngine input checks', () => {
  const repository = {
    findCountyScope: jest.fn(async () => ({ parcelCount: 10, neighborhoods: ['A', 'B'] })),
    pageParcelValues: jest.fn(async () => []),
  };
  const engine = new ValuationEngine(repository as unknown as ValuationRepository, { lookbackMonths: 36 });
  const input = {
    jobId: '0b7c2a52-6a3e-4d43-9d1a-3f1a2b3c4d5e',
    countyId: 'demo',
    taxYear: 2025,
    method: 'regression' as const,
  };
  const noop = async () => {};

  it('names every problem of the input at once, before touching the database', async () => {
    await expect(
      engine.run({ ...input, taxYear: 1700, method: 'income' as 'cost', valuationDate: '2025-1-1' }, noop),
    ).rejects.toThrow(
      new InvalidValuationInputError(
        'taxYear must be a whole number from 1800 to 2200; method must be cost or regression; ' +
          'valuationDate "2025-1-1" must be a date YYYY-MM-DD',
      ),
    );
    expect(repository.findCountyScope).not.toHaveBeenCalled();
  });

  it('rejects unknown neighborhoods by name', async () => {
    await expect(engine.run({ ...input, neighborhoods: ['A', 'Z', 'Y'] }, noop)).rejects.toThrow(
      new InvalidValuationInputError('county "demo" has no parcels in neighborhood(s) "Y", "Z"'),
    );
  });

  it('pages nothing for a job that wrote no values, and refuses foreign cursors', async () => {
    await expect(engine.listParcelValues(input.jobId, 10)).resolves.toEqual({ items: [], next_cursor: null });
    await expect(engine.listParcelValues(input.jobId, 10, 'eyJ4IjoxfQ')).rejects.toThrow(
      'cursor is not one this service issued',
    );
    await expect(engine.listParcelValues('nope', 10)).rejects.toThrow('job id must be a UUID');
  });
});
