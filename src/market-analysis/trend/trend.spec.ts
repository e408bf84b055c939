import { describe, expect, it } from '@jest/globals';
import { dayNumber, monthOfDay } from '../../statistics/calendar.js';
import { saleColumns, type SaleRow } from '../../statistics/sale-columns.js';
import { compareNeighborhoods } from './neighborhood-comparison.js';
import { monthlyFigures } from './price-trend.js';

describe('monthly figures', () => {
  const rows: SaleRow[] = [
    ['2024-01-05', 100_000, 1000],
    ['2024-01-20', 300_000, 1500],
    ['2024-01-28', 200_000, null],
    ['2024-03-01', 150_000, 1000],
  ].map(([d, p, s]) => ({
    day: dayNumber(d as string),
    price: p as number,
    building_sqft: s as number | null,
    land_sqft: null,
    year_built: null,
    quality: null,
    condition: null,
    bathrooms: null,
    neighborhood: 'A',
    property_class: 'residential',
  }));

  it('counts every month of the window, with medians where there are sales', () => {
    const from = monthOfDay(dayNumber('2024-01-01'));
    expect(monthlyFigures(saleColumns(rows), from, from + 2)).toEqual([
      { month: '2024-01', count: 3, median_price: 200_000, median_price_per_sqft: 150 },
      { month: '2024-02', count: 0, median_price: null, median_price_per_sqft: null },
      { month: '2024-03', count: 1, median_price: 150_000, median_price_per_sqft: 150 },
    ]);
  });
});

describe('compareNeighborhoods', () => {
  const row = (d: string, p: number, nb: string): SaleRow => ({
    day: dayNumber(d),
    price: p,
    building_sqft: 1000,
    land_sqft: null,
    year_built: null,
    quality: null,
    condition: null,
    bathrooms: null,
    neighborhood: nb,
    property_class: 'residential',
  });
  const sales = saleColumns([
    row('2024-03-01', 110_000, 'A'),
    row('2024-04-01', 130_000, 'A'),
    row('2023-03-01', 100_000, 'A'),
    row('2024-05-01', 300_000, 'B'),
    row('2023-05-01', 250_000, 'B'),
    row('2023-05-02', 350_000, 'B'),
    row('2022-01-01', 999_000, 'B'), // outside both windows
  ]);
  const current = { from: dayNumber('2024-01-01'), to: dayNumber('2024-12-31') };
  const prior = { from: dayNumber('2023-01-01'), to: dayNumber('2023-12-31') };
  const { neighborhoods, county } = compareNeighborhoods(sales, current, prior);

  it('ranks neighborhoods by median price per sqft, with year-over-year change', () => {
    expect(neighborhoods.map((n) => [n.neighborhood, n.rank, n.sale_count, n.median_price_per_sqft])).toEqual([
      ['B', 1, 1, 300],
      ['A', 2, 2, 120],
    ]);
    expect(neighborhoods[1].prior_median_price_per_sqft).toBe(100);
    expect(neighborhoods[1].yoy_change).toBeCloseTo(0.2, 14);
    expect(neighborhoods[0].yoy_change).toBeCloseTo(0, 14);
  });

  it('gives the county figure for reference', () => {
    expect(county).toEqual({
      sale_count: 3,
      median_price: 130_000,
      median_price_per_sqft: 130,
      prior_sale_count: 3,
      prior_median_price_per_sqft: 250,
      yoy_change: 130 / 250 - 1,
    });
    expect(neighborhoods[0].index_to_county).toBeCloseTo(300 / 130, 14);
  });
});
