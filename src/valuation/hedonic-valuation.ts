// The hedonic (log-linear) market model of improved residential parcels and its use to value a county.
//
//   ln(price) = β0 + β1 ln(building_sqft) + β2 ln(land_sqft) + β3 age + β4 age² + β5 quality + β6 condition
//             + β7 bathrooms + β8 t + Σ_k δ_k [neighborhood = k] + ε
//
// age = year of the valuation date − year_built (≥ 0); t = months from the valuation date to the sale
// (negative before it), so a prediction at t = 0 is the value at the valuation date and exp(β8) − 1 is the
// monthly market change. Neighborhood effects δ_k are relative to the neighborhood with the most sales;
// neighborhoods with fewer than MIN_NEIGHBORHOOD_SALES sales share one pooled effect (`nbhd:(other)`), or join
// the reference group when even together they are too few.
//
// Predictions: exp(x'β) estimates the median, not the mean, of a log-normal price; values are multiplied by
// Duan's smearing factor mean(exp(residual)) (a distribution-free retransformation) so they estimate the
// expected price at the valuation date. Neighborhoods with no sales take the sales-weighted average effect.
//
// Land/improvement split: under the log-linear model the elasticities β2 (lot) and β1 (building) are the
// shares of value a marginal-productivity allocation imputes to land and building; land = V · β2 / (β1 + β2)
// (bounded to [MIN_LAND_SHARE, MAX_LAND_SHARE]; DEFAULT_LAND_SHARE when an elasticity is not positive).
import { depreciatedCost, LandRates, MIN_NEIGHBORHOOD_SALES, setValue } from './cost-approach.js';
import { InsufficientDataError } from '../jobs/job-errors.js';
import {
  DAYS_PER_MONTH,
  isModelEligible,
  type ParcelBatch,
  type ParcelColumns,
  type SalesSample,
  type ValueBatch,
} from './valuation-data.js';
import { CollinearColumnError, fitOls, type OlsFit } from '../statistics/least-squares.js';
import { ratioSummary, type RatioSummary } from '../statistics/ratio-statistics.js';

/** Terms before the neighborhood effects, in column order. */
export const HEDONIC_TERMS = [
  'intercept',
  'ln_building_sqft',
  'ln_land_sqft',
  'age',
  'age_squared',
  'quality',
  'condition',
  'bathrooms',
  'month_trend',
] as const;
const C = {
  lnBuilding: 1,
  lnLand: 2,
  age: 3,
  ageSquared: 4,
  quality: 5,
  condition: 6,
  bathrooms: 7,
  month: 8,
} as const;
const FIXED = HEDONIC_TERMS.length;
export const POOLED_TERM = 'nbhd:(other)';
/** The fewest sales a regression is fitted on, and the fewest per estimated term. */
export const MIN_REGRESSION_SALES = 30;
export const MIN_SALES_PER_TERM = 5;
export const DEFAULT_LAND_SHARE = 0.2;
export const MIN_LAND_SHARE = 0.05;
export const MAX_LAND_SHARE = 0.8;

export interface HedonicModel {
  valuationYear: number;
  terms: string[];
  fit: OlsFit;
  /** Duan's smearing factor mean(exp(residual)). */
  smearing: number;
  /** Reference neighborhood of the effects (null when no neighborhood had its own effect). */
  baseNeighborhood: string | null;
  /** Log effect by neighborhood, relative to the reference; absent for neighborhoods without sales. */
  effects: ReadonlyMap<string, number>;
  /** Effect used for neighborhoods without sales: the sales-weighted mean effect. */
  defaultEffect: number;
  landShare: number;
  /** Land rates implied by the model's land values of the sold parcels, for parcels it does not value. */
  landRates: LandRates;
  /** In-sample statistics of value at the valuation date / time-adjusted sale price. */
  ratios: RatioSummary;
  byNeighborhood: Map<string, RatioSummary>;
  salesUsed: number;
}

/** Fits the model on the eligible sales; throws InsufficientDataError when they cannot support it. */
export function fitHedonicModel(sales: SalesSample, valuationYear: number): HedonicModel {
  const rows: number[] = [];
  for (let i = 0; i < sales.size; i++) if (isModelEligible(sales, i) && sales.price[i] > 0) rows.push(i);

  // Neighborhood columns: one per neighborhood with enough sales except the reference, one pooled.
  const counts = new Map<number, number>();
  for (const i of rows) counts.set(sales.neighborhood[i], (counts.get(sales.neighborhood[i]) ?? 0) + 1);
  const name = (nb: number) => sales.neighborhoods[nb];
  const large = [...counts]
    .filter(([, c]) => c >= MIN_NEIGHBORHOOD_SALES)
    .sort((a, b) => b[1] - a[1] || (name(a[0]) < name(b[0]) ? -1 : 1));
  const smallSales = [...counts].filter(([, c]) => c < MIN_NEIGHBORHOOD_SALES).reduce((s, [, c]) => s + c, 0);
  const base = large.length > 0 ? large[0][0] : null;
  const column = new Map<number, number>();
  const terms: string[] = [...HEDONIC_TERMS];
  for (const [nb] of large.slice(1).sort((a, b) => (name(a[0]) < name(b[0]) ? -1 : 1))) {
    column.set(nb, terms.length);
    terms.push(`nbhd:${name(nb)}`);
  }
  if (large.length > 0 && smallSales >= MIN_NEIGHBORHOOD_SALES) {
    const pooledColumn = terms.length;
    terms.push(POOLED_TERM);
    for (const [nb, c] of counts) if (c < MIN_NEIGHBORHOOD_SALES) column.set(nb, pooledColumn);
  }
  const p = terms.length;
  const needed = Math.max(MIN_REGRESSION_SALES, MIN_SALES_PER_TERM * p);
  if (rows.length < needed) {
    throw new InsufficientDataError(
      `the regression has ${p} terms and needs at least ${needed} valid sales of improved residential parcels ` +
        `(with building and lot area, year built, quality, condition and bathrooms) in the lookback window; ` +
        `found ${rows.length}`,
    );
  }

  const months = (i: number) => sales.days[i] / DAYS_PER_MONTH;
  let fit: OlsFit;
  try {
    fit = fitOls({
      n: rows.length,
      p,
      y: Float64Array.from(rows, (i) => Math.log(sales.price[i])),
      indicators: new Set(column.values()),
      fillRow: (r, x) => {
        const i = rows[r];
        fillCharacteristics(sales, i, valuationYear, x);
        x[C.month] = months(i);
        const c = column.get(sales.neighborhood[i]);
        if (c !== undefined) x[c] = 1;
      },
    });
  } catch (error) {
    if (error instanceof CollinearColumnError) {
      throw new InsufficientDataError(
        `the sales do not vary enough to estimate "${terms[error.column]}" (it is constant or a combination of ` +
          `other terms among the ${rows.length} sales)`,
      );
    }
    throw error;
  }

  const beta = fit.beta;
  const effects = new Map<string, number>();
  if (base !== null) effects.set(name(base), 0);
  for (const [nb] of counts) {
    const c = column.get(nb);
    if (c !== undefined) effects.set(name(nb), beta[c]);
    else effects.set(name(nb), 0); // the reference, or small ones merged into it
  }

  let expSum = 0;
  let effectSum = 0;
  for (let r = 0; r < rows.length; r++) {
    expSum += Math.exp(Math.log(sales.price[rows[r]]) - fit.fitted[r]);
    effectSum += effects.get(name(sales.neighborhood[rows[r]])) ?? 0;
  }
  const smearing = expSum / rows.length;
  const defaultEffect = effectSum / rows.length;
  const landShare = landShareOf(beta[C.lnBuilding], beta[C.lnLand]);

  // In-sample ratios: value at the valuation date over the sale price adjusted to it.
  const values = new Float64Array(rows.length);
  const adjusted = new Float64Array(rows.length);
  const groups = new Map<string, number[]>();
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    const timeTerm = beta[C.month] * months(i);
    values[r] = Math.exp(fit.fitted[r] - timeTerm) * smearing;
    adjusted[r] = sales.price[i] * Math.exp(-timeTerm);
    const nb = name(sales.neighborhood[i]);
    const list = groups.get(nb);
    if (list) list.push(r);
    else groups.set(nb, [r]);
  }
  const byNeighborhood = new Map<string, RatioSummary>();
  for (const [nb, list] of groups) {
    byNeighborhood.set(
      nb,
      ratioSummary(
        list.map((r) => values[r]),
        list.map((r) => adjusted[r]),
      ),
    );
  }
  const landRates = LandRates.fromSales(
    sales,
    rows,
    Array.from(values, (v) => v * landShare),
    values,
  );
  return {
    valuationYear,
    terms,
    fit,
    smearing,
    baseNeighborhood: base === null ? null : name(base),
    effects,
    defaultEffect,
    landShare,
    landRates,
    ratios: ratioSummary(values, adjusted),
    byNeighborhood,
    salesUsed: rows.length,
  };
}

export function landShareOf(buildingElasticity: number, landElasticity: number): number {
  if (!(buildingElasticity > 0) || !(landElasticity > 0)) return DEFAULT_LAND_SHARE;
  const share = landElasticity / (buildingElasticity + landElasticity);
  return Math.min(MAX_LAND_SHARE, Math.max(MIN_LAND_SHARE, share));
}

/** Writes the characteristic columns (1–7) of row i. */
function fillCharacteristics(c: ParcelColumns, i: number, valuationYear: number, x: Float64Array): void {
  const age = Math.max(0, valuationYear - c.yearBuilt[i]);
  x[C.lnBuilding] = Math.log(c.buildingSqft[i]);
  x[C.lnLand] = Math.log(c.landSqft[i]);
  x[C.age] = age;
  x[C.ageSquared] = age * age;
  x[C.quality] = c.quality[i];
  x[C.condition] = c.condition[i];
  x[C.bathrooms] = c.bathrooms[i];
}

/**
 * Values a batch. Improved residential parcels with every characteristic: the model at t = 0 (basis 0).
 * Other parcels: land from the model's neighborhood land rates plus the depreciated replacement cost of any
 * building (basis 1, or 2 for land only) — there are no sales of those classes to fit a market model on.
 */
export function hedonicValues(model: HedonicModel, batch: ParcelBatch, out: ValueBatch, basis: Uint8Array): void {
  const beta = model.fit.beta;
  const x = new Float64Array(FIXED);
  for (let i = 0; i < batch.size; i++) {
    const nb = batch.neighborhoods[batch.neighborhood[i]];
    if (isModelEligible(batch, i)) {
      fillCharacteristics(batch, i, model.valuationYear, x);
      let ln = beta[0];
      for (let j = 1; j < C.month; j++) ln += beta[j] * x[j];
      ln += model.effects.get(nb) ?? model.defaultEffect;
      const value = Math.exp(ln) * model.smearing;
      const land = value * model.landShare;
      setValue(out, i, land, value - land);
      basis[i] = 0;
    } else {
      const land = model.landRates.landValue(nb, batch.landSqft[i]);
      const building = depreciatedCost(
        batch.propertyClass[i],
        batch.buildingSqft[i],
        batch.yearBuilt[i],
        batch.quality[i],
        batch.condition[i],
        model.valuationYear,
      );
      setValue(out, i, land, building);
      basis[i] = building > 0 ? 1 : 2;
    }
  }
}
