// Tests for sales chasing — values of sold parcels moved toward their sale prices, which makes a ratio study look
// better than the roll is (IAAO Standard on Ratio Studies, 2013, appendix E; the CDF and distribution methods as the
// Cook County Assessor's `assesspy.is_sales_chased` defines them):
//   CDF gap: the empirical CDF of the ratios (rounded to 4 decimals, so values rounded to the dollar still tie) jumps
//     at each distinct ratio by the share of sales that have it; the largest jump above `gap` (0.05) at a ratio
//     strictly inside `bounds` (0.98, 1.02) flags chasing: too many sales sit at one ratio near 1.
//   Distribution: the share of ratios within `bounds` (inclusive) against the share a normal distribution of the same
//     mean and standard deviation (population sd) puts there, from its CDF; an excess above `gap` flags chasing.
//   Sold versus unsold: with the values before (prior) and after, the change ln(after / prior) of parcels that sold in
//     the study window against that of parcels that did not: medians, the difference of medians with its 95 % interval
//     (Price & Bonett, "Distribution-free confidence intervals for difference and ratio of medians", Journal of
//     Statistical Computation and Simulation 72(2), 2002: each median's standard error from its exact order-statistic
//     interval, (x_(n−j+1) − x_(j)) / (2 · 1.96), the two combined), and two Mann–Whitney U tests (normal approximation with tie and continuity corrections), both
//     two-sided: one of the changes (did sold parcels' values move further up or down?) and one of their distance
//     from the unsold parcels' median change (did they move by more, or were they held closer, than the rest?). Chasing
//     a tenth of the sales to their prices mostly shows in the second: a sale price is the parcel's value plus the
//     noise of one transaction. Either p below 0.005 (0.01 shared by the two) flags chasing.
// All are heuristics with little power under 30 sales: below that the verdict is "too few sales to judge".
import { medianCiRanks, normalCdf } from './distributions.js';
import { sortedMedian } from './order-statistics.js';

export const CHASING = {
  bounds: [0.98, 1.02] as const,
  gap: 0.05,
  /** Significance level of the sold-versus-unsold comparison (shared by its two rank tests). */
  alpha: 0.01,
  minSales: 30,
  cdfDecimals: 4,
} as const;

export type ChasingVerdict = 'no sign of sales chasing' | 'possible sales chasing' | 'too few sales to judge';

export const TOO_FEW: ChasingVerdict = 'too few sales to judge';

export interface CdfGapResult {
  method: 'cdf_gap';
  n: number;
  /** The largest jump of the empirical CDF (share of sales at one ratio). */
  largest_jump: number | null;
  /** The ratio where it is. */
  at_ratio: number | null;
  flagged: boolean | null;
  verdict: ChasingVerdict;
}

export function cdfGapTest(ratios: ArrayLike<number>): CdfGapResult {
  const n = ratios.length;
  const scale = 10 ** CHASING.cdfDecimals;
  const rounded = new Float64Array(n);
  for (let i = 0; i < n; i++) rounded[i] = Math.round(ratios[i] * scale) / scale;
  rounded.sort();
  let best = 0;
  let at: number | null = null;
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && rounded[j] === rounded[i]) j++;
    if (j - i > best) {
      best = j - i;
      at = rounded[i];
    }
    i = j;
  }
  const jump = n > 0 ? best / n : null;
  const flagged =
    jump === null || at === null ? null : jump > CHASING.gap && at > CHASING.bounds[0] && at < CHASING.bounds[1];
  return { method: 'cdf_gap', n, largest_jump: jump, at_ratio: at, flagged, verdict: verdictOf(n, flagged) };
}

export interface DistributionResult {
  method: 'distribution';
  n: number;
  /** Share of ratios within the bounds. */
  share_within: number | null;
  /** Share a normal distribution with the ratios' mean and sd puts within the bounds. */
  normal_share: number | null;
  /** share_within − normal_share. */
  excess: number | null;
  flagged: boolean | null;
  verdict: ChasingVerdict;
}

export function distributionTest(ratios: ArrayLike<number>): DistributionResult {
  const n = ratios.length;
  if (n === 0) {
    return {
      method: 'distribution',
      n,
      share_within: null,
      normal_share: null,
      excess: null,
      flagged: null,
      verdict: TOO_FEW,
    };
  }
  const [lo, hi] = CHASING.bounds;
  let sum = 0;
  let within = 0;
  for (let i = 0; i < n; i++) {
    sum += ratios[i];
    if (ratios[i] >= lo && ratios[i] <= hi) within++;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (ratios[i] - mean) ** 2;
  const sd = Math.sqrt(ss / n);
  const normal = sd > 0 ? normalCdf((hi - mean) / sd) - normalCdf((lo - mean) / sd) : mean >= lo && mean <= hi ? 1 : 0;
  const share = within / n;
  const excess = share - normal;
  const flagged = excess > CHASING.gap;
  return {
    method: 'distribution',
    n,
    share_within: share,
    normal_share: normal,
    excess,
    flagged,
    verdict: verdictOf(n, flagged),
  };
}

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, ties counting one half. */
  u: number;
  z: number;
  /** Two-sided p-value. */
  p_value: number;
}

/** Mann–Whitney U test of x against y: normal approximation with tie correction and continuity correction. */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitneyResult | null {
  const n1 = x.length;
  const n2 = y.length;
  const N = n1 + n2;
  if (n1 === 0 || n2 === 0) return null;
  const values = new Float64Array(N);
  for (let i = 0; i < n1; i++) values[i] = x[i];
  for (let i = 0; i < n2; i++) values[n1 + i] = y[i];
  const idx = new Int32Array(N);
  for (let i = 0; i < N; i++) idx[i] = i;
  idx.sort((a, b) => values[a] - values[b]);
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < N;) {
    let j = i;
    while (j < N && values[idx[j]] === values[idx[i]]) j++;
    const t = j - i;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (idx[k] < n1) rankSumX += avgRank;
    tieTerm += t * t * t - t;
    i = j;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (!(variance > 0)) return { u, z: 0, p_value: 1 };
  const d = u - mean;
  const z = (d - Math.sign(d) * Math.min(0.5, Math.abs(d))) / Math.sqrt(variance);
  return { u, z, p_value: Math.min(1, 2 * normalCdf(-Math.abs(z))) };
}

export interface SoldUnsoldResult {
  method: 'sold_unsold';
  sold: number;
  unsold: number;
  /** Median of ln(current / prior) of the sold parcels. */
  sold_median_change: number | null;
  unsold_median_change: number | null;
  /** sold − unsold. */
  difference: number | null;
  difference_ci: [number, number] | null;
  mann_whitney_u: number | null;
  z: number | null;
  /** Two-sided p of the rank test of the changes. */
  p_value: number | null;
  /** Median |change − unsold median change| of the sold parcels, and of the unsold ones. */
  sold_median_distance: number | null;
  unsold_median_distance: number | null;
  /** Two-sided p of the rank test of those distances. */
  distance_p_value: number | null;
  flagged: boolean | null;
  verdict: ChasingVerdict;
}

const Z975 = 1.959963984540054;

/** Price–Bonett 95 % interval of median(x) − median(y) from the sorted samples; null when either has under 6 values. */
export function medianDifferenceInterval(sortedX: Float64Array, sortedY: Float64Array): [number, number] | null {
  const variance = (s: Float64Array) => {
    const ranks = medianCiRanks(s.length, 0.95);
    if (!ranks) return null;
    const se = (s[ranks[1] - 1] - s[ranks[0] - 1]) / (2 * Z975);
    return se * se;
  };
  const vx = variance(sortedX);
  const vy = variance(sortedY);
  if (vx === null || vy === null) return null;
  const d = sortedMedian(sortedX) - sortedMedian(sortedY);
  const half = Z975 * Math.sqrt(vx + vy);
  return [d - half, d + half];
}

/** The sold-versus-unsold comparison of value changes (ln(current / prior)). */
export function soldUnsoldTest(sold: Float64Array, unsold: Float64Array): SoldUnsoldResult {
  const sortedSold = Float64Array.from(sold).sort();
  const sortedUnsold = Float64Array.from(unsold).sort();
  const ms = sold.length > 0 ? sortedMedian(sortedSold) : null;
  const mu = unsold.length > 0 ? sortedMedian(sortedUnsold) : null;
  const enough = sold.length >= CHASING.minSales && unsold.length >= CHASING.minSales;
  const test = enough ? mannWhitneyU(sold, unsold) : null;
  const distance = (x: Float64Array) => x.map((v) => Math.abs(v - (mu ?? 0)));
  const soldDistance = distance(sold);
  const unsoldDistance = distance(unsold);
  const spread = enough ? mannWhitneyU(soldDistance, unsoldDistance) : null;
  const flagged = test && spread ? Math.min(test.p_value, spread.p_value) < CHASING.alpha / 2 : null;
  const medianOf = (x: Float64Array) => (x.length > 0 ? sortedMedian(Float64Array.from(x).sort()) : null);
  return {
    method: 'sold_unsold',
    sold: sold.length,
    unsold: unsold.length,
    sold_median_change: ms,
    unsold_median_change: mu,
    difference: ms === null || mu === null ? null : ms - mu,
    difference_ci: enough ? medianDifferenceInterval(sortedSold, sortedUnsold) : null,
    mann_whitney_u: test?.u ?? null,
    z: test?.z ?? null,
    p_value: test?.p_value ?? null,
    sold_median_distance: medianOf(soldDistance),
    unsold_median_distance: medianOf(unsoldDistance),
    distance_p_value: spread?.p_value ?? null,
    flagged,
    verdict: enough ? verdictOf(sold.length, flagged) : TOO_FEW,
  };
}

function verdictOf(n: number, flagged: boolean | null): ChasingVerdict {
  if (n < CHASING.minSales || flagged === null) return TOO_FEW;
  return flagged ? 'possible sales chasing' : 'no sign of sales chasing';
}
