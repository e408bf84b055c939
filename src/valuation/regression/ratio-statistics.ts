// Assessment-ratio statistics of the IAAO Standard on Ratio Studies, used as in-sample diagnostics of a valuation.

/** Median of the values (NaN when there are none); does not modify its input. */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median of an already ascending array. */
export function sortedMedian(sorted: ArrayLike<number>, from = 0, to = sorted.length): number {
  const n = to - from;
  if (n <= 0) return Number.NaN;
  const mid = from + (n >> 1);
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

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
