// Distribution functions the ratio study and the trend fits need: Student t (CDF and quantile, for the PRB and
// regression-slope intervals) and the binomial CDF (for the order-statistic interval of the median).
// Double precision throughout; the quantile is accurate to ~1e-12 relative over the degrees of freedom used here.

/** Lanczos coefficients (g = 7, n = 9): ln Γ to about 15 significant digits for x > 0. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0 (got ${x})`);
  if (x < 0.5) {
    // Reflection keeps the series in its accurate range.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  const EPS = 1e-16;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b), 0 ≤ x ≤ 1, a, b > 0. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incompleteBeta needs a, b > 0 (got ${a}, ${b})`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incompleteBeta needs 0 ≤ x ≤ 1 (got ${x})`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0 (got ${df})`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** Density of Student's t. */
export function studentTPdf(t: number, df: number): number {
  const lnC = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(lnC - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** Upper-tail probability P(T > t) for t ≥ 0, computed without cancellation. */
function studentTUpper(t: number, df: number): number {
  return 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * The p-quantile of Student's t with `df` degrees of freedom (inverse CDF): bracketing, then Newton steps kept
 * inside the bracket (bisection when a step would leave it), on the upper tail to keep precision for p near 1.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0 (got ${df})`);
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be strictly between 0 and 1 (got ${p})`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  const q = 1 - p; // target upper-tail probability
  let lo = 0;
  let hi = 1;
  while (studentTUpper(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  let t = (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const f = studentTUpper(t, df) - q; // decreasing in t
    if (f > 0) lo = t;
    else hi = t;
    const pdf = studentTPdf(t, df);
    let next = pdf > 0 ? t + f / pdf : NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-15 * Math.max(1, Math.abs(t))) return next;
    t = next;
    if (hi - lo <= 1e-15 * Math.max(1, hi)) return (lo + hi) / 2;
  }
  return t;
}

/** ln(e^a + e^b) without overflow. */
function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/**
 * Ranks (1-based) of the exact binomial confidence interval of the median: the largest j with
 * P(Binomial(n, 0.5) ≤ j − 1) ≤ alpha / 2 gives [x_(j), x_(n−j+1)] of the sorted sample; null when no such j ≥ 1
 * exists (n ≤ 5 at 95 %).
 */
export function medianCiRanks(n: number, confidence = 0.95): [number, number] | null {
  if (!Number.isInteger(n) || n < 1) return null;
  const tail = (1 - confidence) / 2;
  // P(X ≤ k) is a dyadic rational, so it never equals a decimal tail like 0.025 exactly: no tie to break.
  const logTail = Math.log(tail);
  // Walk the lower tail of Binomial(n, 1/2) in log space (2^-n underflows for large n).
  let logPmf = -n * Math.LN2; // P(X = 0)
  let logCdf = logPmf;
  let j = 0;
  for (let k = 0; k < n && logCdf <= logTail; k++) {
    j = k + 1; // P(X ≤ j − 1) ≤ tail holds for this j
    logPmf += Math.log((n - k) / (k + 1));
    logCdf = logAddExp(logCdf, logPmf);
  }
  if (j < 1) return null;
  return [j, n - j + 1];
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let logPmf = -n * Math.LN2;
  let logCdf = logPmf;
  for (let i = 0; i < k; i++) {
    logPmf += Math.log((n - i) / (i + 1));
    logCdf = logAddExp(logCdf, logPmf);
  }
  return Math.exp(logCdf);
}

/** 2/√π. */
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * erfc(x) to about 1e-15 relative: for |x| < 3 from the series erf(x) = 2/√π·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1))
 * (positive terms, no cancellation); beyond, from the continued fraction of erfc evaluated backwards.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
  }
  if (x > 27) return 0;
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))).
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Φ(z): P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}
