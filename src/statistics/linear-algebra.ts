// Dense linear algebra on small symmetric positive definite systems (p ≤ a few hundred), row-major Float64Arrays.

/** Thrown when a matrix is not (numerically) positive definite; `index` is the first failing pivot. */
export class NotPositiveDefiniteError extends Error {
  constructor(readonly index: number) {
    super(`matrix is not positive definite (pivot ${index})`);
    this.name = 'NotPositiveDefiniteError';
  }
}

/**
 * Cholesky factor L (lower triangular, A = L·Lᵀ) of the symmetric p×p matrix `a` (only its lower triangle is
 * read). A pivot below `relativeTolerance` × the original diagonal entry means the column is (numerically) a
 * linear combination of the earlier ones, which is reported rather than silently producing huge estimates.
 */
export function cholesky(a: Float64Array, p: number, relativeTolerance = 1e-10): Float64Array {
  if (a.length !== p * p) throw new RangeError(`expected ${p}×${p} values, got ${a.length}`);
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j];
    for (let k = 0; k < j; k++) d -= l[j * p + k] * l[j * p + k];
    if (!(d > relativeTolerance * Math.abs(a[j * p + j])) || !(d > 0)) throw new NotPositiveDefiniteError(j);
    const ljj = Math.sqrt(d);
    l[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j];
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      l[i * p + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L·Lᵀ·x = b for x given the Cholesky factor L. */
export function choleskySolve(l: Float64Array, p: number, b: Float64Array): Float64Array {
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * p + k] * y[k];
    y[i] = s / l[i * p + i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < p; k++) s -= l[k * p + i] * x[k];
    x[i] = s / l[i * p + i];
  }
  return x;
}

/** A⁻¹ from the Cholesky factor of A, column by column. */
export function choleskyInverse(l: Float64Array, p: number): Float64Array {
  const inv = new Float64Array(p * p);
  const e = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    e.fill(0);
    e[j] = 1;
    const col = choleskySolve(l, p, e);
    for (let i = 0; i < p; i++) inv[i * p + j] = col[i];
  }
  // Symmetrise away rounding differences between the two triangles.
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      const m = (inv[i * p + j] + inv[j * p + i]) / 2;
      inv[i * p + j] = m;
      inv[j * p + i] = m;
    }
  }
  return inv;
}

/** C = A·B for A (n×m) and B (m×k). */
export function multiply(a: Float64Array, b: Float64Array, n: number, m: number, k: number): Float64Array {
  const c = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < m; t++) {
      const ait = a[i * m + t];
      if (ait === 0) continue;
      for (let j = 0; j < k; j++) c[i * k + j] += ait * b[t * k + j];
    }
  }
  return c;
}

/** Aᵀ of an n×m matrix. */
export function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const t = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j];
  return t;
}

/** y = A·x for A (n×m). */
export function multiplyVector(a: Float64Array, x: Float64Array, n: number, m: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[i * m + j] * x[j];
    y[i] = s;
  }
  return y;
}
