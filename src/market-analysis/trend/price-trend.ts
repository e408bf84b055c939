// Monthly market figures of the price_trend analysis: count and medians of each month's sales.
import { monthLabel, monthOfDay } from '../../statistics/calendar.js';
import { medianOrNull } from '../../statistics/order-statistics.js';
import type { SaleColumns } from '../../statistics/sale-columns.js';

export interface MonthFigures {
  month: string;
  count: number;
  median_price: number | null;
  median_price_per_sqft: number | null;
}

/** Count, median price and median price per building sqft of each month from `fromMonth` to `toMonth`. */
export function monthlyFigures(s: SaleColumns, fromMonth: number, toMonth: number): MonthFigures[] {
  const prices: number[][] = [];
  const perSqft: number[][] = [];
  for (let m = fromMonth; m <= toMonth; m++) {
    prices.push([]);
    perSqft.push([]);
  }
  for (let i = 0; i < s.price.length; i++) {
    const m = monthOfDay(s.day[i]) - fromMonth;
    if (m < 0 || m >= prices.length) continue;
    prices[m].push(s.price[i]);
    if (s.buildingSqft[i] > 0) perSqft[m].push(s.price[i] / s.buildingSqft[i]);
  }
  return prices.map((p, k) => ({
    month: monthLabel(fromMonth + k),
    count: p.length,
    median_price: medianOrNull(p),
    median_price_per_sqft: medianOrNull(perSqft[k]),
  }));
}
