// The data of a ratio study's charts, bounded in size whatever the number of sales (10 deciles, 101 Lorenz points,
// 201 CDF points), kept in the JSON result (`charts`) and drawn by ratio-charts.ts. All sales of the study (the
// untrimmed sample: a board sees every sale), in stable price order (ties by sale id), as the MKI uses them.
import { sortedMedian, sortedQuantile } from '../../statistics/order-statistics.js';
import { stablePriceOrder } from '../../statistics/vertical-equity.js';

export interface PriceDecile {
  /** 1 = the tenth of sales with the lowest prices. */
  decile: number;
  n: number;
  price_from: number;
  price_to: number;
  median_ratio: number;
}

export interface LorenzPoint {
  /** Share of the sales, cheapest first (0..1). */
  share_of_sales: number;
  /** Cumulative share of the total sale price. */
  price_share: number;
  /** Cumulative share of the total assessed value, same order. */
  value_share: number;
}

export interface CdfPoint {
  /** The ratio at this cumulative share (type-7 quantile). */
  ratio: number;
  /** Share of sales with a ratio at or below it (0..1). */
  cumulative_share: number;
}

export interface RatioChartData {
  /** Sales drawn. */
  n: number;
  /** The overall median ratio, for a reference line. */
  median_ratio: number | null;
  ratio_by_price_decile: PriceDecile[];
  lorenz: LorenzPoint[];
  ratio_cdf: CdfPoint[];
}

export const LORENZ_POINTS = 101;
export const CDF_POINTS = 201;

/** Chart data of the sales (estimate[i], price[i]); `order` is stablePriceOrder(price) when given. */
export function ratioChartData(
  estimate: Float64Array,
  price: Float64Array,
  order: Int32Array = stablePriceOrder(price),
): RatioChartData {
  const n = estimate.length;
  const ratios = new Float64Array(n);
  for (let i = 0; i < n; i++) ratios[i] = estimate[i] / price[i];
  const sorted = Float64Array.from(ratios).sort();

  const deciles: PriceDecile[] = [];
  if (n >= 10) {
    for (let d = 0; d < 10; d++) {
      const from = Math.floor((d * n) / 10);
      const to = Math.floor(((d + 1) * n) / 10);
      const r = new Float64Array(to - from);
      for (let k = from; k < to; k++) r[k - from] = ratios[order[k]];
      r.sort();
      deciles.push({
        decile: d + 1,
        n: to - from,
        price_from: price[order[from]],
        price_to: price[order[to - 1]],
        median_ratio: sortedMedian(r),
      });
    }
  }

  const lorenz: LorenzPoint[] = [];
  if (n > 0) {
    let totalP = 0;
    let totalE = 0;
    for (let i = 0; i < n; i++) {
      totalP += price[i];
      totalE += estimate[i];
    }
    let cumP = 0;
    let cumE = 0;
    let k = 0;
    for (let t = 0; t < LORENZ_POINTS; t++) {
      const upTo = Math.round((t * n) / (LORENZ_POINTS - 1));
      for (; k < upTo; k++) {
        cumP += price[order[k]];
        cumE += estimate[order[k]];
      }
      lorenz.push({ share_of_sales: t / (LORENZ_POINTS - 1), price_share: cumP / totalP, value_share: cumE / totalE });
    }
  }

  const cdf: CdfPoint[] = [];
  if (n > 0) {
    for (let t = 0; t < CDF_POINTS; t++) {
      const share = t / (CDF_POINTS - 1);
      cdf.push({ ratio: sortedQuantile(sorted, share), cumulative_share: share });
    }
  }
  return {
    n,
    median_ratio: n > 0 ? sortedMedian(sorted) : null,
    ratio_by_price_decile: deciles,
    lorenz,
    ratio_cdf: cdf,
  };
}
