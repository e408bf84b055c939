// Ordinary least squares with group fixed effects absorbed by the within transformation (Frisch–Waugh–Lovell):
// y and every regressor are demeaned within their group, then regressed without intercept. Exact for the slopes,
// and the residual degrees of freedom count the absorbed group means. Small dense normal equations (k ≤ ~10),
// solved by Cholesky on standardised columns.
import { cholesky, choleskyInverse, choleskySolve, NotPositiveDefiniteError } from './linear-algebra.js';

export interface FixedEffectsFit {
  /** Names of the regressors kept (columns without within-group variation are dropped). */
  terms: string[];
  coefficients: number[];
  stdErrors: number[];
  n: number;
  /** Residual degrees of freedom: n − kept regressors − groups. */
  df: number;
  rss: number;
  /** Share of the within-group variance of y the regressors explain. */
  withinRSquared: number;
  residualStdError: number;
}

export interface OlsColumn {
  name: string;
  values: Float64Array;
}

/**
 * Fits y on `columns` with one fixed effect per `group` code (pass all zeros for a plain intercept).
 * Returns null when the system is singular or leaves no residual degrees of freedom.
 */
export function fitWithinOls(y: Float64Array, columns: OlsColumn[], group: Int32Array): FixedEffectsFit | null {
  const n = y.length;
  const groups = demeanInPlaceFactory(group, n);
  const yw = groups.demean(y);
  const kept: { name: string; values: Float64Array; scale: number }[] = [];
  for (const c of columns) {
    const w = groups.demean(c.values);
    let ss = 0;
    for (let i = 0; i < n; i++) ss += w[i] * w[i];
    const scale = Math.sqrt(ss / Math.max(1, n));
    // A column with (next to) no within-group variation cannot be estimated: leave it out.
    if (!(scale > 1e-12)) continue;
    for (let i = 0; i < n; i++) w[i] /= scale;
    kept.push({ name: c.name, values: w, scale });
  }
  const k = kept.length;
  const df = n - k - groups.count;
  if (k === 0 || df < 1) return null;

  const xtx = new Float64Array(k * k);
  const xty = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    const xa = kept[a].values;
    let sy = 0;
    for (let i = 0; i < n; i++) sy += xa[i] * yw[i];
    xty[a] = sy;
    for (let b = a; b < k; b++) {
      const xb = kept[b].values;
      let s = 0;
      for (let i = 0; i < n; i++) s += xa[i] * xb[i];
      xtx[a * k + b] = s;
      xtx[b * k + a] = s;
    }
  }
  let l: Float64Array;
  try {
    l = cholesky(xtx, k);
  } catch (error) {
    if (error instanceof NotPositiveDefiniteError) return null;
    throw error;
  }
  const inverse = choleskyInverse(l, k);
  const beta = choleskySolve(l, k, xty);
  let rss = 0;
  let tss = 0;
  for (let i = 0; i < n; i++) {
    let fitted = 0;
    for (let a = 0; a < k; a++) fitted += beta[a] * kept[a].values[i];
    const e = yw[i] - fitted;
    rss += e * e;
    tss += yw[i] * yw[i];
  }
  const sigma2 = rss / df;
  return {
    terms: kept.map((c) => c.name),
    coefficients: kept.map((c, a) => beta[a] / c.scale),
    stdErrors: kept.map((c, a) => Math.sqrt(Math.max(0, sigma2 * inverse[a * k + a])) / c.scale),
    n,
    df,
    rss,
    withinRSquared: tss > 0 ? 1 - rss / tss : 0,
    residualStdError: Math.sqrt(sigma2),
  };
}

/** Group means computed once per grouping, applied to any column. */
function demeanInPlaceFactory(
  group: Int32Array,
  n: number,
): { count: number; demean: (v: Float64Array) => Float64Array } {
  let size = 0;
  for (let i = 0; i < n; i++) if (group[i] + 1 > size) size = group[i] + 1;
  const counts = new Float64Array(size);
  for (let i = 0; i < n; i++) counts[group[i]]++;
  let count = 0;
  for (let g = 0; g < size; g++) if (counts[g] > 0) count++;
  return {
    count,
    demean: (v) => {
      const sums = new Float64Array(size);
      for (let i = 0; i < n; i++) sums[group[i]] += v[i];
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = v[i] - sums[group[i]] / counts[group[i]];
      return out;
    },
  };
}
