// Assessment-ratio statistics of the IAAO Standard on Ratio Studies (2013, sections 9 and appendix B): the full set
// of one ratio-study sample with the exact definitions the assessors' own tools use (fixtures/ holds the IAAO
// tables the specs reproduce), and the summary a valuation reports as in-sample diagnostics:
//   ratio r = estimate / sale_price
//   weighted mean = Σ estimate / Σ sale_price
//   COD = 100 · mean(|r − median|) / median            (divides by n)
//   PRD = mean / weighted mean
//   PRB = OLS slope of (r − median) / median on log2((estimate / median + sale_price) / 2),
//         with the ordinary t-interval of the slope (n − 2 degrees of freedom)
//   median CI = exact binomial order statistics [r_(j), r_(n−j+1)]
//   MKI, KI = the Gini-based vertical-equity indices of vertical-equity.ts (sales in stable price order)
// Quantiles (for the IQR trimming rule) are Hyndman–Fan type 7, the default of R and NumPy.
import { medianCiRanks, studentTQuantile } from './distributions.js';
import { median, sortedCopy, sortedMedian, sortedQuantile } from './order-statistics.js';
import { kakwaniIndices, stablePriceOrder } from './vertical-equity.js';

/** The statistics of one sample (the `S` of the ratio-study result). */
export interface RatioStatistics {
  n: number;
  median: number | null;
  mean: number | null;
  weighted_mean: number | null;
  cod: number | null;
  prd: number | null;
  prb: number | null;
  prb_ci: [number, number] | null;
  median_ci: [number, number] | null;
  /** Modified Kakwani index G(estimates) / G(prices) (Quintos 2020); null without spread in price. */
  mki: number | null;
  /** Kakwani index G(estimates) − G(prices). */
  ki: number | null;
}

export const CONFIDENCE = 0.95;

/**
 * The statistics of the sample (estimate[i], price[i]); `ratios`, when given, must be estimate/price (saves a pass),
 * `sortedRatios`, when given, those ratios in ascending order (saves a sort), and `priceOrder`, when given, the
 * sales' indices by price ascending with ties in index order (vertical-equity.ts; saves a sort).
 * Statistics a sample is too small for are null: PRB needs n ≥ 3 and spread in value, the median CI n ≥ 6.
 */
export function ratioStatistics(
  estimate: Float64Array,
  price: Float64Array,
  ratios?: Float64Array,
  sortedRatios?: Float64Array,
  priceOrder?: Int32Array,
): RatioStatistics {
  const n = estimate.length;
  if (price.length !== n) throw new RangeError('estimate and price must have the same length');
  if (n === 0) {
    return {
      n: 0,
      median: null,
      mean: null,
      weighted_mean: null,
      cod: null,
      prd: null,
      prb: null,
      prb_ci: null,
      median_ci: null,
      mki: null,
      ki: null,
    };
  }
  let r = ratios;
  if (!r) {
    r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = estimate[i] / price[i];
  }
  const sorted = sortedRatios ?? sortedCopy(r);
  const med = sortedMedian(sorted);

  let sumR = 0;
  let sumE = 0;
  let sumP = 0;
  for (let i = 0; i < n; i++) {
    sumR += r[i];
    sumE += estimate[i];
    sumP += price[i];
  }
  const mean = sumR / n;
  const weightedMean = sumE / sumP;

  let sumAbsDev = 0;
  for (let i = 0; i < n; i++) sumAbsDev += Math.abs(r[i] - med);
  const cod = med > 0 ? (100 * (sumAbsDev / n)) / med : null;
  const prd = weightedMean > 0 ? mean / weightedMean : null;

  const prb = med > 0 ? priceRelatedBias(estimate, price, r, med) : null;
  const ranks = medianCiRanks(n, CONFIDENCE);
  const { mki, ki } = kakwaniIndices(estimate, price, priceOrder ?? stablePriceOrder(price));
  return {
    n,
    median: med,
    mean,
    weighted_mean: weightedMean,
    cod,
    prd,
    prb: prb?.slope ?? null,
    prb_ci: prb?.ci ?? null,
    median_ci: ranks ? [sorted[ranks[0] - 1], sorted[ranks[1] - 1]] : null,
    mki,
    ki,
  };
}

/** OLS slope of (r − median)/median on log2((estimate/median + price)/2), with its t-interval; null when n < 3. */
export function priceRelatedBias(
  estimate: Float64Array,
  price: Float64Array,
  ratios: Float64Array,
  med: number,
): { slope: number; std_error: number; ci: [number, number] } | null {
  const n = estimate.length;
  if (n < 3) return null;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    x[i] = Math.log2((estimate[i] / med + price[i]) / 2);
    y[i] = (ratios[i] - med) / med;
    sx += x[i];
    sy += y[i];
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    sxx += dx * dx;
    sxy += dx * (y[i] - my);
  }
  if (!(sxx > 0)) return null;
  const slope = sxy / sxx;
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i] - my - slope * (x[i] - mx);
    rss += e * e;
  }
  const se = Math.sqrt(rss / (n - 2) / sxx);
  const t = studentTQuantile(1 - (1 - CONFIDENCE) / 2, n - 2);
  return { slope, std_error: se, ci: [slope - t * se, slope + t * se] };
}

/** The IQR rule: keep ratios within [Q1 − k·IQR, Q3 + k·IQR] (type-7 quartiles of the sample). */
export function iqrBounds(sortedRatios: Float64Array, factor: number): [number, number] {
  const q1 = sortedQuantile(sortedRatios, 0.25);
  const q3 = sortedQuantile(sortedRatios, 0.75);
  const iqr = q3 - q1;
  return [q1 - factor * iqr, q3 + factor * iqr];
}

/** The valuation's in-sample diagnostics: the same median, COD and PRD as above, NaN where a sample is empty. */
export interface RatioSummary {
  n: number;
  median: number;
  mean: number;
  /** Σ value / Σ price. */
  weightedMean: number;
  /** Coefficient of dispersion: 100 × mean |ratio − median| / median. */
  cod: number;
  /** Price-related differential: mean / weighted mean (> 1.03 regressive, < 0.98 progressive). */
  prd: number;
}

/** Ratio statistics of value_i / price_i. */
export function ratioSummary(values: ArrayLike<number>, prices: ArrayLike<number>): RatioSummary {
  const n = values.length;
  if (prices.length !== n) throw new RangeError('values and prices differ in length');
  if (n === 0)
    return { n: 0, median: Number.NaN, mean: Number.NaN, weightedMean: Number.NaN, cod: Number.NaN, prd: Number.NaN };
  const ratios = new Float64Array(n);
  let valueSum = 0;
  let priceSum = 0;
  let ratioSum = 0;
  for (let i = 0; i < n; i++) {
    ratios[i] = values[i] / prices[i];
    valueSum += values[i];
    priceSum += prices[i];
    ratioSum += ratios[i];
  }
  const med = median(ratios);
  let absDev = 0;
  for (let i = 0; i < n; i++) absDev += Math.abs(ratios[i] - med);
  const mean = ratioSum / n;
  const weightedMean = valueSum / priceSum;
  return { n, median: med, mean, weightedMean, cod: (100 * absDev) / n / med, prd: mean / weightedMean };
}
