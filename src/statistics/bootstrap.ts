// Bootstrap percentile intervals of a ratio study's COD, PRD and MKI (Efron & Tibshirani, An Introduction to the
// Bootstrap, 1993, ch. 13): samples of the stratum's sales drawn with replacement, each statistic computed on every
// resample, the interval the 2.5th and 97.5th percentiles (type 7) of those values. Seeded (SeededRandom), so a seed
// gives the same intervals on every run and platform.
//
// A resample is a count per sale (how often it was drawn), never a sorted copy: with the sales kept in price order,
// one pass over the counts gives every sum (Σ estimate, Σ price, Σ ratio) and the two Gini sums of the MKI (a sale
// drawn c times after P earlier draws takes positions P+1..P+c), and one pass in ratio order finds the median and
// the split the COD needs (Σ c·|r − med| from the sums below and above it).
//
// Up to FULL_BOOTSTRAP_MAX sales: the classic bootstrap, `resamples` resamples of n draws each. Larger strata take
// the bag of little bootstraps (Kleiner, Talwalkar, Sarkar & Jordan, "A scalable bootstrap for massive data", JRSS B
// 76(4), 2014), which gives the same intervals at a cost independent of n: BLB_SUBSETS subsets of b = ⌈n^0.7⌉ sales
// drawn without replacement; on each, resamples/BLB_SUBSETS resamples of size n given as counts on its b sales
// (independent Poisson(n/b) counts, sampled from an alias table: the Poisson form of the multinomial resample). The
// subsets measure the spread, the full sample gives the centre: the interval is the stratum's own figure plus the mean
// over the subsets of how far each subset's percentiles lie from that subset's own figure (a subset's figure varies
// more than the full sample's; a replicated subset has exactly the subset's COD, PRD and Gini indices). 200,000 sales
// cost what 5,200 do.
import { sortedQuantile, stableArgsort } from './order-statistics.js';
import { SeededRandom } from './seeded-random.js';

export interface BootstrapOptions {
  resamples: number;
  seed: number;
  confidence?: number;
}

export interface RatioBootstrapIntervals {
  /** Resamples drawn. */
  resamples: number;
  /** `classic` (n draws per resample) or `blb` (bag of little bootstraps, for large strata). */
  method: 'classic' | 'blb';
  cod_ci: [number, number] | null;
  prd_ci: [number, number] | null;
  mki_ci: [number, number] | null;
}

/** Fewest sales a bootstrap interval is computed for. */
export const BOOTSTRAP_MIN_SALES = 10;
/** Largest stratum resampled the classic way; larger ones take the bag of little bootstraps. */
export const FULL_BOOTSTRAP_MAX = 1000;
export const BLB_SUBSETS = 10;
export const BLB_EXPONENT = 0.7;

/** The sample in price order, with its ratios' order, ready for weighted statistics. */
interface PricedSample {
  e: Float64Array;
  p: Float64Array;
  r: Float64Array;
  /** Positions (into e/p/r) in ascending ratio order. */
  byRatio: Int32Array;
}

function pricedSample(estimate: Float64Array, price: Float64Array, positions: Int32Array): PricedSample {
  const n = positions.length;
  const e = new Float64Array(n);
  const p = new Float64Array(n);
  const r = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e[j] = estimate[positions[j]];
    p[j] = price[positions[j]];
    r[j] = e[j] / p[j];
  }
  return { e, p, r, byRatio: stableArgsort(r) };
}

/**
 * COD, PRD and MKI of the resample that holds sale j counts[j] times (Σ counts = total); written to out[0..2]
 * (NaN where undefined).
 */
function resampleStatistics(s: PricedSample, counts: Int32Array, total: number, out: Float64Array): void {
  const { e, p, r, byRatio } = s;
  const n = e.length;
  let sE = 0;
  let sP = 0;
  let sR = 0;
  let gE = 0;
  let gP = 0;
  let before = 0;
  for (let j = 0; j < n; j++) {
    const c = counts[j];
    if (c === 0) continue;
    const weight = c * before + (c * (c + 1)) / 2;
    sE += c * e[j];
    sP += c * p[j];
    sR += c * r[j];
    gE += weight * e[j];
    gP += weight * p[j];
    before += c;
  }
  // Median: the element at 1-based position k1 (odd total), the mean of k1 and k1 + 1 (even).
  const k1 = (total + 1) >> 1;
  const even = total % 2 === 0;
  const target = even ? k1 + 1 : k1;
  let cum = 0;
  let lower = NaN;
  let med = NaN;
  let splitSum = 0; // Σ c·r of the draws before the (upper) median element
  for (let k = 0; k < n; k++) {
    const j = byRatio[k];
    const c = counts[j];
    if (c === 0) continue;
    const v = r[j];
    if (Number.isNaN(lower) && cum + c >= k1) lower = v;
    if (cum + c >= target) {
      med = even ? (lower + v) / 2 : v;
      break;
    }
    cum += c;
    splitSum += c * v;
  }
  // Draws before the split have r ≤ med, the others r ≥ med.
  const absDev = sR - splitSum - med * (total - cum) + (med * cum - splitSum);
  out[0] = med > 0 ? (100 * (absDev / total)) / med : NaN;
  out[1] = sE > 0 ? sR / total / (sE / sP) : NaN;
  const ge = ((2 * gE) / sE - (total + 1)) / total;
  const gp = ((2 * gP) / sP - (total + 1)) / total;
  out[2] = gp > 0 ? ge / gp : NaN;
}

/**
 * Percentile intervals of COD, PRD and MKI of the sample (estimate[i], price[i]), resampling sales; `order` is the
 * sales' stable price order (vertical-equity.ts), the order the MKI's Gini indices use. Null intervals below
 * BOOTSTRAP_MIN_SALES sales, or for a statistic undefined on the sample (e.g. an MKI with no spread in price).
 */
export function bootstrapRatioIntervals(
  estimate: Float64Array,
  price: Float64Array,
  order: Int32Array,
  options: BootstrapOptions,
  /** The sample's own COD, PRD and MKI when the caller has them (else computed here). */
  pointEstimates?: readonly [number | null, number | null, number | null],
): RatioBootstrapIntervals {
  const n = estimate.length;
  const B = options.resamples;
  const confidence = options.confidence ?? 0.95;
  const rng = new SeededRandom(options.seed);
  const out = new Float64Array(3);
  if (n <= FULL_BOOTSTRAP_MAX) {
    const none = { resamples: B, method: 'classic' as const, cod_ci: null, prd_ci: null, mki_ci: null };
    if (n < BOOTSTRAP_MIN_SALES) return none;
    const sample = pricedSample(estimate, price, order);
    const stats = [new Float64Array(B), new Float64Array(B), new Float64Array(B)];
    const counts = new Int32Array(n);
    for (let b = 0; b < B; b++) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[rng.index(n)]++;
      resampleStatistics(sample, counts, n, out);
      for (let k = 0; k < 3; k++) stats[k][b] = out[k];
    }
    const [cod, prd, mki] = stats.map((v) => percentileInterval(v, confidence));
    return { resamples: B, method: 'classic', cod_ci: cod, prd_ci: prd, mki_ci: mki };
  }

  let point = pointEstimates;
  if (!point) {
    const all = pricedSample(estimate, price, order);
    const ones = new Int32Array(n).fill(1);
    resampleStatistics(all, ones, n, out);
    point = [out[0], out[1], out[2]];
  }
  const b = Math.ceil(Math.pow(n, BLB_EXPONENT));
  const perSubset = Math.max(1, Math.round(B / BLB_SUBSETS));
  const { prob, alias } = poissonAlias(n / b);
  const K = prob.length;
  const sums = [new Float64Array(2), new Float64Array(2), new Float64Array(2)];
  const defined = [0, 0, 0];
  const stats = [new Float64Array(perSubset), new Float64Array(perSubset), new Float64Array(perSubset)];
  const counts = new Int32Array(b);
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let s = 0; s < BLB_SUBSETS; s++) {
    // b of the n price-order positions without replacement (a partial Fisher–Yates shuffle), kept in price order.
    for (let i = 0; i < b; i++) {
      const k = i + rng.index(n - i);
      const t = pool[i];
      pool[i] = pool[k];
      pool[k] = t;
    }
    const chosen = pool.slice(0, b).sort();
    const positions = new Int32Array(b);
    for (let i = 0; i < b; i++) positions[i] = order[chosen[i]];
    const sample = pricedSample(estimate, price, positions);
    counts.fill(1);
    resampleStatistics(sample, counts, b, out);
    const own = Float64Array.from(out);
    for (let t = 0; t < perSubset; t++) {
      let total = 0;
      for (let i = 0; i < b; i++) {
        const u = rng.next() * K;
        const k = Math.floor(u);
        const c = u - k < prob[k] ? k : alias[k];
        counts[i] = c;
        total += c;
      }
      resampleStatistics(sample, counts, total, out);
      for (let k = 0; k < 3; k++) stats[k][t] = out[k];
    }
    for (let k = 0; k < 3; k++) {
      const ci = percentileInterval(stats[k], confidence);
      if (ci === null || !Number.isFinite(own[k])) continue;
      sums[k][0] += ci[0] - own[k];
      sums[k][1] += ci[1] - own[k];
      defined[k]++;
    }
  }
  const [cod, prd, mki] = sums.map((sum, k): [number, number] | null => {
    const centre = point[k];
    if (defined[k] < BLB_SUBSETS || centre === null || !Number.isFinite(centre)) return null;
    return [centre + sum[0] / BLB_SUBSETS, centre + sum[1] / BLB_SUBSETS];
  });
  return { resamples: perSubset * BLB_SUBSETS, method: 'blb', cod_ci: cod, prd_ci: prd, mki_ci: mki };
}

/**
 * A sampler of Poisson(λ) by Walker's alias method over 0..K (K far enough in the tail that the rest has
 * probability below 1e-15): one uniform and one comparison per draw.
 */
export function poissonAliasTable(lambda: number): (rng: SeededRandom) => number {
  const { prob, alias } = poissonAlias(lambda);
  const K = prob.length;
  return (rng) => {
    const u = rng.next() * K;
    const k = Math.floor(u);
    return u - k < prob[k] ? k : alias[k];
  };
}

/** Walker's alias table of Poisson(λ) over 0..K: draw k = ⌊uK⌋, keep it with probability prob[k], else alias[k]. */
function poissonAlias(lambda: number): { prob: Float64Array; alias: Int32Array } {
  const K = Math.ceil(lambda + 12 * Math.sqrt(lambda) + 30);
  const pmf = new Float64Array(K);
  let logP = -lambda;
  let total = 0;
  for (let k = 0; k < K; k++) {
    if (k > 0) logP += Math.log(lambda / k);
    pmf[k] = Math.exp(logP);
    total += pmf[k];
  }
  const prob = new Float64Array(K);
  const alias = new Int32Array(K);
  const small: number[] = [];
  const large: number[] = [];
  for (let k = 0; k < K; k++) {
    prob[k] = (pmf[k] / total) * K;
    (prob[k] < 1 ? small : large).push(k);
  }
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large[large.length - 1];
    alias[s] = l;
    prob[l] -= 1 - prob[s];
    if (prob[l] < 1) small.push(large.pop()!);
  }
  for (const k of [...small, ...large]) {
    prob[k] = 1;
    alias[k] = k;
  }
  return { prob, alias };
}

/**
 * The percentile interval [q(α/2), q(1 − α/2)] (type-7 quantiles) of the resample statistics; null when more than
 * 1 % of them are undefined (NaN), which only happens for samples at the edge of what a statistic needs.
 */
export function percentileInterval(values: Float64Array, confidence = 0.95): [number, number] | null {
  const finite = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  if (finite.length === 0 || finite.length < 0.99 * values.length) return null;
  const alpha = 1 - confidence;
  return [sortedQuantile(finite, alpha / 2), sortedQuantile(finite, 1 - alpha / 2)];
}
