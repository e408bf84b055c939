// Neighborhood comparison: per neighborhood, this window's sale count and median prices against the same window a
// year earlier, ranked by median price per building sqft, beside the county figure.
import { medianOrNull } from '../../statistics/order-statistics.js';
import type { SaleColumns } from '../../statistics/sale-columns.js';

/** Neighborhoods with fewer sales than this in the window get a warning. */
export const MIN_NEIGHBORHOOD_SALES = 10;

export interface AreaFigures {
  sale_count: number;
  median_price: number | null;
  median_price_per_sqft: number | null;
  prior_sale_count: number;
  prior_median_price_per_sqft: number | null;
  /** Change of the median price per sqft against the window a year earlier (0.05 = +5 %). */
  yoy_change: number | null;
}

export interface NeighborhoodFigures extends AreaFigures {
  neighborhood: string;
  /** 1 = the highest median price per sqft; ties share a rank; null without a figure. */
  rank: number | null;
  /** Median price per sqft relative to the county's (1.10 = 10 % above). */
  index_to_county: number | null;
  warnings: string[];
}

interface Window {
  from: number;
  to: number;
}

/** `current` and `prior` are day-number windows (inclusive); sales outside both are ignored. */
export function compareNeighborhoods(
  s: SaleColumns,
  current: Window,
  prior: Window,
): { neighborhoods: NeighborhoodFigures[]; county: AreaFigures } {
  const all = { cur: { p: [] as number[], ppsf: [] as number[] }, pri: { ppsf: [] as number[], count: 0 } };
  const byNb = s.neighborhoodLabels.map(() => ({
    cur: { p: [] as number[], ppsf: [] as number[] },
    pri: { ppsf: [] as number[], count: 0 },
  }));
  for (let i = 0; i < s.price.length; i++) {
    const d = s.day[i];
    const ppsf = s.buildingSqft[i] > 0 ? s.price[i] / s.buildingSqft[i] : NaN;
    const target = byNb[s.neighborhood[i]];
    if (d >= current.from && d <= current.to) {
      for (const bucket of [all.cur, target.cur]) {
        bucket.p.push(s.price[i]);
        if (Number.isFinite(ppsf)) bucket.ppsf.push(ppsf);
      }
    } else if (d >= prior.from && d <= prior.to) {
      for (const bucket of [all.pri, target.pri]) {
        bucket.count++;
        if (Number.isFinite(ppsf)) bucket.ppsf.push(ppsf);
      }
    }
  }
  const figures = (b: (typeof byNb)[number]): AreaFigures => {
    const cur = medianOrNull(b.cur.ppsf);
    const pri = medianOrNull(b.pri.ppsf);
    return {
      sale_count: b.cur.p.length,
      median_price: medianOrNull(b.cur.p),
      median_price_per_sqft: cur,
      prior_sale_count: b.pri.count,
      prior_median_price_per_sqft: pri,
      yoy_change: cur !== null && pri !== null && pri > 0 ? cur / pri - 1 : null,
    };
  };
  const county = figures(all);
  const rows = s.neighborhoodLabels
    .map((name, k) => ({ name, f: figures(byNb[k]) }))
    .filter((r) => r.f.sale_count > 0 || r.f.prior_sale_count > 0);

  const ranked = rows
    .map((r) => r.f.median_price_per_sqft)
    .filter((v): v is number => v !== null)
    .sort((a, b) => b - a);
  const neighborhoods = rows.map(({ name, f }): NeighborhoodFigures => {
    const warnings: string[] = [];
    if (f.sale_count < MIN_NEIGHBORHOOD_SALES) {
      warnings.push(
        `only ${f.sale_count} sales in the window (fewer than ${MIN_NEIGHBORHOOD_SALES}): figures are uncertain`,
      );
    }
    if (f.prior_median_price_per_sqft === null)
      warnings.push('no sales with building area a year earlier: no year-over-year change');
    const v = f.median_price_per_sqft;
    return {
      neighborhood: name,
      ...f,
      rank: v === null ? null : ranked.indexOf(v) + 1,
      index_to_county:
        v !== null && county.median_price_per_sqft !== null && county.median_price_per_sqft > 0
          ? v / county.median_price_per_sqft
          : null,
      warnings,
    };
  });
  neighborhoods.sort(
    (a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || (a.neighborhood < b.neighborhood ? -1 : 1),
  );
  return { neighborhoods, county };
}
