import { describe, expect, it } from '@jest/globals';
import { addMonthsToDay, dayNumber, isIsoDate, isoDate, monthLabel, monthOfDay } from './calendar.js';

describe('calendar', () => {
  it('converts dates, months and month arithmetic', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(isoDate(dayNumber('2024-02-29'))).toBe('2024-02-29');
    expect(monthLabel(monthOfDay(dayNumber('2024-12-31')))).toBe('2024-12');
    expect(isoDate(addMonthsToDay(dayNumber('2024-03-31'), -1))).toBe('2024-02-29');
    expect(isoDate(addMonthsToDay(dayNumber('2024-12-31'), -12))).toBe('2023-12-31');
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-1-01')).toBe(false);
  });
});
