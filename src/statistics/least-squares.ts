// Ordinary least squares through the normal equations, assembled row by row in Float64Arrays and solved by Cholesky.
//
// Conditioning: raw hedonic columns (an intercept beside age and age², sizes in logs around 7–11) give X'X a
// condition number that the normal equations square. Continuous columns are therefore centred and scaled to
// unit variance before they are accumulated (indicator columns are left as they are, so rows stay sparse);
// the estimates and their covariance are mapped back to the original columns with the same linear map.
import {
  cholesky,
  choleskyInverse,
  choleskySolve,
  multiply,
  NotPositiveDefiniteError,
  transpose,
} from './linear-algebra.js';

export interface OlsDesign {
  /** Observations. */
  n: number;
  /** Columns including the intercept (column 0, which the fit fills with 1). */
  p: number;
  /** Writes the regressors of row `i` into x[1..p-1] (x is zeroed before each call). */
  fillRow: (i: number, x: Float64Array) => void;
  /** Response of each row. */
  y: Float64Array;
  /** Columns holding 0/1 indicators: not centred, so their rows stay sparse. */
  indicators?: ReadonlySet<number>;
}

export interface OlsFit {
  n: number;
  p: number;
  /** Estimates, on the original (unscaled) columns. */
  beta: Float64Array;
  stdErrors: Float64Array;
  /** σ²(X'X)⁻¹, p×p row-major. */
  covariance: Float64Array;
  /** Residual variance estimate RSS / (n − p). */
  sigma2: number;
  rss: number;
  tss: number;
  rSquared: number;
  adjRSquared: number;
  /** x_i'β for each row. */
  fitted: Float64Array;
}

/** A column with no variation, or one that is a linear combination of earlier ones. */
export class CollinearColumnError extends Error {
  constructor(readonly column: number) {
    super(`column ${column} is constant or collinear with the columns before it`);
    this.name = 'CollinearColumnError';
  }
}

export function fitOls(design: OlsDesign): OlsFit {
  const { n, p, y } = design;
  if (n <= p) throw new RangeError(`need more observations (${n}) than columns (${p})`);
  const indicators = design.indicators ?? new Set<number>();
  const x = new Float64Array(p);
  const row = (i: number) => {
    x.fill(0);
    design.fillRow(i, x);
    x[0] = 1;
  };

  // Pass 1: means and standard deviations (Welford) of the continuous columns.
  const mean = new Float64Array(p);
  const m2 = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    row(i);
    for (let j = 1; j < p; j++) {
      const d = x[j] - mean[j];
      mean[j] += d / (i + 1);
      m2[j] += d * (x[j] - mean[j]);
    }
  }
  const shift = new Float64Array(p);
  const scale = new Float64Array(p).fill(1);
  for (let j = 1; j < p; j++) {
    if (m2[j] <= 0) throw new CollinearColumnError(j);
    if (indicators.has(j)) continue;
    shift[j] = mean[j];
    scale[j] = Math.sqrt(m2[j] / n);
  }

  // Pass 2: Z'Z and Z'y of the transformed columns z = (x − shift) / scale, over the non-zero entries only.
  const ztz = new Float64Array(p * p);
  const zty = new Float64Array(p);
  const nz = new Int32Array(p);
  const zv = new Float64Array(p);
  let ySum = 0;
  for (let i = 0; i < n; i++) {
    row(i);
    let count = 0;
    for (let j = 0; j < p; j++) {
      const z = (x[j] - shift[j]) / scale[j];
      if (z !== 0) {
        nz[count] = j;
        zv[count] = z;
        count += 1;
      }
    }
    const yi = y[i];
    ySum += yi;
    for (let a = 0; a < count; a++) {
      const ja = nz[a];
      const za = zv[a];
      zty[ja] += za * yi;
      const base = ja * p;
      for (let b = 0; b <= a; b++) ztz[base + nz[b]] += za * zv[b];
    }
  }
  // Only the lower triangle was filled (nz is ascending); mirror it.
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) ztz[j * p + i] = ztz[i * p + j];

  let l: Float64Array;
  try {
    l = cholesky(ztz, p);
  } catch (error) {
    if (error instanceof NotPositiveDefiniteError) throw new CollinearColumnError(error.index);
    throw error;
  }
  const gamma = choleskySolve(l, p, zty);
  const ztzInv = choleskyInverse(l, p);

  // β = A·γ with A mapping the transformed coefficients back: β_j = γ_j / s_j, β_0 = γ_0 − Σ shift_j γ_j / s_j.
  const a = new Float64Array(p * p);
  a[0] = 1;
  for (let j = 1; j < p; j++) {
    a[j * p + j] = 1 / scale[j];
    a[j] = -shift[j] / scale[j];
  }
  const beta = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += a[i * p + j] * gamma[j];
    beta[i] = s;
  }

  // Pass 3: fitted values and residual sum of squares on the original columns.
  const fitted = new Float64Array(n);
  const yMean = ySum / n;
  let rss = 0;
  let tss = 0;
  for (let i = 0; i < n; i++) {
    row(i);
    let f = 0;
    for (let j = 0; j < p; j++) f += x[j] * beta[j];
    fitted[i] = f;
    const e = y[i] - f;
    rss += e * e;
    const d = y[i] - yMean;
    tss += d * d;
  }
  const sigma2 = rss / (n - p);
  const covariance = multiply(multiply(a, ztzInv, p, p, p), transpose(a, p, p), p, p, p);
  for (let k = 0; k < covariance.length; k++) covariance[k] *= sigma2;
  const stdErrors = new Float64Array(p);
  for (let j = 0; j < p; j++) stdErrors[j] = Math.sqrt(Math.max(0, covariance[j * p + j]));
  const rSquared = tss > 0 ? 1 - rss / tss : 0;
  const adjRSquared = tss > 0 ? 1 - rss / (n - p) / (tss / (n - 1)) : 0;
  return { n, p, beta, stdErrors, covariance, sigma2, rss, tss, rSquared, adjRSquared, fitted };
}
