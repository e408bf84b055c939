// The demo county's valid sales must carry TRUE_MODEL: an ordinary least-squares fit of the model's own form
// recovers every coefficient and the monthly trend. This guards the generator that the valuation and
// price-trend engines are later checked against.
import { describe, expect, it } from '@jest/globals';
import { DemoCounty } from './generator.js';
import { modelAge, monthsFromReference, TRUE_MODEL } from './hedonic-model.js';

interface OlsFit {
  beta: number[];
  stdError: number[];
  sigma: number;
  fitted: number[];
}

/** OLS through the normal equations (Cholesky of XᵀX); fine for a few dozen well-scaled columns. */
function ols(rows: number[][], y: number[]): OlsFit {
  const n = rows.length;
  const p = rows[0].length;
  const xtx = Array.from({ length: p }, () => new Float64Array(p));
  const xty = new Float64Array(p);
  for (let r = 0; r < n; r++) {
    const x = rows[r];
    for (let i = 0; i < p; i++) {
      if (x[i] === 0) continue;
      xty[i] += x[i] * y[r];
      for (let j = 0; j <= i; j++) xtx[i][j] += x[i] * x[j];
    }
  }
  // Cholesky: XᵀX = L Lᵀ.
  const L = Array.from({ length: p }, () => new Float64Array(p));
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = xtx[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (s <= 0) throw new Error(`design matrix is singular at column ${i}`);
        L[i][i] = Math.sqrt(s);
      } else {
        L[i][j] = s / L[j][j];
      }
    }
  }
  const solve = (b: ArrayLike<number>): number[] => {
    const z = new Array<number>(p);
    for (let i = 0; i < p; i++) {
      let s = b[i];
      for (let k = 0; k < i; k++) s -= L[i][k] * z[k];
      z[i] = s / L[i][i];
    }
    const x = new Array<number>(p);
    for (let i = p - 1; i >= 0; i--) {
      let s = z[i];
      for (let k = i + 1; k < p; k++) s -= L[k][i] * x[k];
      x[i] = s / L[i][i];
    }
    return x;
  };
  const beta = solve(xty);
  const fitted = rows.map((x) => x.reduce((s, v, i) => s + v * beta[i], 0));
  const rss = fitted.reduce((s, f, r) => s + (y[r] - f) ** 2, 0);
  const sigma2 = rss / (n - p);
  // diag((XᵀX)⁻¹): solve against each unit vector.
  const stdError = beta.map((_, i) => {
    const e = new Array<number>(p).fill(0);
    e[i] = 1;
    return Math.sqrt(sigma2 * solve(e)[i]);
  });
  return { beta, stdError, sigma: Math.sqrt(sigma2), fitted };
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Coefficient of dispersion (IAAO): mean absolute deviation from the median ratio, in % of it. */
const cod = (ratios: number[]) => {
  const m = median(ratios);
  return (100 * ratios.reduce((s, r) => s + Math.abs(r - m), 0)) / ratios.length / m;
};

const TERMS = ['ln_building_sqft', 'ln_land_sqft', 'age', 'age_squared', 'quality', 'condition', 'bathrooms'] as const;

function fitDemoCounty(seed: number) {
  const rows: number[][] = [];
  const y: number[] = [];
  const neighborhoodOf: string[] = [];
  const observations: { x: number[]; neighborhood: string; y: number }[] = [];
  for (const { parcel: p, sales } of new DemoCounty({ parcels: 20_000, seed }).records()) {
    for (const s of sales) {
      if (!s.isValid) continue;
      const age = modelAge(p.yearBuilt!);
      observations.push({
        x: [
          Math.log(p.buildingSqft!),
          Math.log(p.landSqft),
          age,
          age * age,
          p.quality!,
          p.condition!,
          p.bathrooms!,
          monthsFromReference(s.saleDate),
        ],
        neighborhood: p.neighborhood,
        y: Math.log(s.salePrice),
      });
    }
  }
  // Fixed effects relative to the neighborhood with the most sales (the best-determined base).
  const counts = new Map<string, number>();
  for (const o of observations) counts.set(o.neighborhood, (counts.get(o.neighborhood) ?? 0) + 1);
  const neighborhoods = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || a.localeCompare(b));
  const base = neighborhoods[0];
  const dummies = neighborhoods.slice(1);
  for (const o of observations) {
    rows.push([1, ...o.x, ...dummies.map((d) => (o.neighborhood === d ? 1 : 0))]);
    y.push(o.y);
    neighborhoodOf.push(o.neighborhood);
  }
  return { fit: ols(rows, y), y, base, dummies, n: rows.length };
}

describe('hedonic model recovery from the demo county', () => {
  // Tolerance: with n ≈ 4,800 valid sales and σ = 0.13, each estimate's sampling error is N(0, SE²) with the
  // SE the fit reports (e.g. ≈ 0.0002 for the monthly trend, ≈ 0.01 for ln_building_sqft). We accept
  // |estimate − truth| < 4 SE: a correctly generated county fails a single check with probability 6e-5
  // (about 0.3 % over all ~48 checks), while a generator that drifted by 4 SE or more — 0.0008/month in the
  // trend, 0.04 in the size elasticity — fails. Because the county is seeded, the outcome is fixed: the same
  // draws are checked on every run. We also require the SEs to be small, so the check cannot pass by being vague.
  const { fit, y, base, dummies, n } = fitDemoCounty(42);
  const estimate = (i: number) => ({ value: fit.beta[i], se: fit.stdError[i] });

  it('has enough valid sales for a meaningful fit', () => {
    expect(n).toBeGreaterThan(4000);
    expect(n).toBeLessThan(6000);
  });

  it.each(TERMS.map((term, k) => [term, k + 1] as const))('recovers %s within 4 standard errors', (term, i) => {
    const { value, se } = estimate(i);
    const truth = TRUE_MODEL.coefficients[term];
    expect(Math.abs(value - truth)).toBeLessThan(4 * se);
    // Informative: the SE is small against the effect (age² is small by nature, so compare its SE to 1e-5).
    expect(se).toBeLessThan(term === 'age_squared' ? 1e-5 : Math.max(0.25 * Math.abs(truth), 0.0025));
  });

  it('recovers the monthly market trend within 4 standard errors', () => {
    const { value, se } = estimate(TERMS.length + 1);
    expect(se).toBeLessThan(0.0004);
    expect(Math.abs(value - TRUE_MODEL.monthlyTrend)).toBeLessThan(4 * se);
    // Annualised, the same figure the price-trend engine reports: exp(12 r) − 1 ≈ 6.2 %.
    expect(Math.exp(12 * value) - 1).toBeCloseTo(Math.exp(12 * TRUE_MODEL.monthlyTrend) - 1, 1);
  });

  it('recovers the intercept and the neighborhood effects relative to the base neighborhood', () => {
    const effects = TRUE_MODEL.neighborhoodEffects;
    const intercept = estimate(0);
    expect(Math.abs(intercept.value - (TRUE_MODEL.intercept + effects[base]))).toBeLessThan(4 * intercept.se);
    dummies.forEach((name, k) => {
      const { value, se } = estimate(TERMS.length + 2 + k);
      expect({ name, off: Math.abs(value - (effects[name] - effects[base])) < 4 * se }).toEqual({ name, off: true });
    });
  });

  it('leaves noise of σ ≈ 0.13 and an in-sample COD well under 15', () => {
    // SE of σ̂ ≈ σ / √(2n) ≈ 0.0013.
    expect(Math.abs(fit.sigma - TRUE_MODEL.sigma)).toBeLessThan(0.006);
    const ratios = fit.fitted.map((f, r) => Math.exp(f) / Math.exp(y[r]));
    // For lognormal noise COD ≈ 100 σ √(2/π) ≈ 10.4.
    expect(cod(ratios)).toBeGreaterThan(8);
    expect(cod(ratios)).toBeLessThan(13);
  });

  it('recovers the trend with another seed too', () => {
    const other = fitDemoCounty(7);
    const i = TERMS.length + 1;
    expect(Math.abs(other.fit.beta[i] - TRUE_MODEL.monthlyTrend)).toBeLessThan(4 * other.fit.stdError[i]);
  });
});
