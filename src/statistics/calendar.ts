// Dates as whole UTC days since 1970-01-01 and months as year·12 + month − 1: integer arithmetic for the analyses.

const MS_PER_DAY = 86_400_000;
/** The average month the trend rates are expressed in (the same as the demo generator's). */
export const DAYS_PER_MONTH = 365.25 / 12;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export function dayNumber(isoDate: string): number {
  if (!isIsoDate(isoDate)) throw new RangeError(`not a date (YYYY-MM-DD): ${isoDate}`);
  return Math.round(Date.parse(`${isoDate}T00:00:00Z`) / MS_PER_DAY);
}

export function isoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Month index (year·12 + month − 1) of a day number. */
export function monthOfDay(day: number): number {
  const d = new Date(day * MS_PER_DAY);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** "YYYY-MM" of a month index. */
export function monthLabel(month: number): string {
  const year = Math.floor(month / 12);
  return `${String(year).padStart(4, '0')}-${String((month % 12) + 1).padStart(2, '0')}`;
}

/** Day number of the first day of a month index. */
export function firstDayOfMonth(month: number): number {
  return Math.round(Date.UTC(Math.floor(month / 12), month % 12, 1) / MS_PER_DAY);
}

/** Day number of the last day of a month index. */
export function lastDayOfMonth(month: number): number {
  return firstDayOfMonth(month + 1) - 1;
}

/** The same calendar day `months` months later (clamped to the month's last day: 31 March − 1 month = 28/29 Feb). */
export function addMonthsToDay(day: number, months: number): number {
  const d = new Date(day * MS_PER_DAY);
  const target = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const last = lastDayOfMonth(target) - firstDayOfMonth(target) + 1;
  return firstDayOfMonth(target) + Math.min(d.getUTCDate(), last) - 1;
}
