// The fitted log-linear market trend of a county's sales, and the time-adjustment factors it gives.
//
// The trend is the monthly log rate b of a hedonic regression with neighborhood × class fixed effects:
//   ln(price) = α[neighborhood, class] + b·t + β₁ ln(building sqft) + β₂ ln(land sqft) + β₃ (year built − 1950)
//             + β₄ (year built − 1950)² / 100 + β₅ quality + β₆ condition + β₇ bathrooms + ε
// with t the sale date in months (365.25/12 days). Controlling for what sold keeps a month in which larger or
// better houses happened to sell from reading as a price rise. When too few sales carry the characteristics, the
// fit falls back to ln(price per building sqft) on t, then to ln(price) on t (both with neighborhood effects).
// Rates: monthly = e^b − 1, annual = e^(12b) − 1; the 95% CI is the t-interval of b, transformed the same way.
import { DAYS_PER_MONTH, monthLabel, monthOfDay } from './calendar.js';
import { studentTQuantile } from './distributions.js';
import { fitWithinOls, type OlsColumn } from './fixed-effects-least-squares.js';
import type { SaleColumns } from './sale-columns.js';

/** Fewest sales a trend is fitted on. */
export const MIN_TREND_SALES = 30;
/** Fewest distinct months with sales a trend is fitted on. */
export const MIN_TREND_MONTHS = 3;

export type TrendModel = 'hedonic_fixed_effects' | 'ln_price_per_sqft' | 'ln_price';

export interface MarketTrend {
  model: TrendModel;
  /** Regressors besides the fixed effects. */
  terms: string[];
  /** Sales the fit used. */
  n: number;
  df: number;
  /** b, the fitted monthly change of ln(price). */
  monthly_log_rate: number;
  /** Standard error of b. */
  log_std_error: number;
  /** 95% CI of b. */
  log_rate_ci: [number, number];
  /** e^b − 1 */
  monthly_rate: number;
  /** Standard error of the monthly rate (delta method: e^b · SE(b)). */
  std_error: number;
  /** 95% CI of the monthly rate. */
  ci: [number, number];
  /** e^(12b) − 1 */
  annual_rate: number;
  annual_ci: [number, number];
  /** Share of the within-group variance explained. */
  r_squared: number;
  residual_std_error: number;
}

const finite = (v: number) => Number.isFinite(v);

/** What a trend fit needs, for the messages of callers that found too few sales. */
export const TREND_REQUIREMENT = `a price trend needs at least ${MIN_TREND_SALES} sales in ${MIN_TREND_MONTHS} different months`;

/** Distinct months (of `monthOfDay`) the sale days fall in. */
export function monthsWithSales(days: Int32Array): number {
  const set = new Set<number>();
  for (const d of days) set.add(monthOfDay(d));
  return set.size;
}

/** Fits the market trend; null when no model can be fitted on at least MIN_TREND_SALES sales. */
export function fitMarketTrend(s: SaleColumns, referenceDay: number): MarketTrend | null {
  const n = s.price.length;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = (s.day[i] - referenceDay) / DAYS_PER_MONTH;
  const nbClass = new Int32Array(n);
  const classCount = Math.max(1, s.classLabels.length);
  for (let i = 0; i < n; i++) nbClass[i] = s.neighborhood[i] * classCount + s.propertyClass[i];

  const hedonic = (i: number) =>
    s.buildingSqft[i] > 0 &&
    s.landSqft[i] > 0 &&
    finite(s.yearBuilt[i]) &&
    finite(s.quality[i]) &&
    finite(s.condition[i]) &&
    finite(s.bathrooms[i]);
  const attempts: {
    model: TrendModel;
    keep: (i: number) => boolean;
    y: (i: number) => number;
    x: [string, (i: number) => number][];
    group: Int32Array;
  }[] = [
    {
      model: 'hedonic_fixed_effects',
      keep: hedonic,
      y: (i) => Math.log(s.price[i]),
      x: [
        ['ln_building_sqft', (i) => Math.log(s.buildingSqft[i])],
        ['ln_land_sqft', (i) => Math.log(s.landSqft[i])],
        ['year_built', (i) => s.yearBuilt[i] - 1950],
        ['year_built_squared', (i) => (s.yearBuilt[i] - 1950) ** 2 / 100],
        ['quality', (i) => s.quality[i]],
        ['condition', (i) => s.condition[i]],
        ['bathrooms', (i) => s.bathrooms[i]],
      ],
      group: nbClass,
    },
    {
      model: 'ln_price_per_sqft',
      keep: (i) => s.buildingSqft[i] > 0,
      y: (i) => Math.log(s.price[i] / s.buildingSqft[i]),
      x: [],
      group: s.neighborhood,
    },
    { model: 'ln_price', keep: () => true, y: (i) => Math.log(s.price[i]), x: [], group: s.neighborhood },
  ];

  for (const attempt of attempts) {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (s.price[i] > 0 && attempt.keep(i)) idx.push(i);
    if (idx.length < MIN_TREND_SALES) continue;
    const months = new Set(idx.map((i) => monthOfDay(s.day[i])));
    if (months.size < MIN_TREND_MONTHS) continue;
    const col = (f: (i: number) => number) => Float64Array.from(idx, f);
    const columns: OlsColumn[] = [{ name: 'month', values: col((i) => t[i]) }];
    for (const [name, f] of attempt.x) columns.push({ name, values: col(f) });
    const fit = fitWithinOls(
      col(attempt.y),
      columns,
      Int32Array.from(idx, (i) => attempt.group[i]),
    );
    if (!fit || fit.terms[0] !== 'month') continue;
    const b = fit.coefficients[0];
    const se = fit.stdErrors[0];
    const q = studentTQuantile(0.975, fit.df);
    const lo = b - q * se;
    const hi = b + q * se;
    return {
      model: attempt.model,
      terms: fit.terms,
      n: fit.n,
      df: fit.df,
      monthly_log_rate: b,
      log_std_error: se,
      log_rate_ci: [lo, hi],
      monthly_rate: Math.expm1(b),
      std_error: Math.exp(b) * se,
      ci: [Math.expm1(lo), Math.expm1(hi)],
      annual_rate: Math.expm1(12 * b),
      annual_ci: [Math.expm1(12 * lo), Math.expm1(12 * hi)],
      r_squared: fit.withinRSquared,
      residual_std_error: fit.residualStdError,
    };
  }
  return null;
}

/** Factor bringing a price of each month to the reference month: e^(b · (reference − month)). */
export function adjustmentFactors(
  trend: MarketTrend,
  fromMonth: number,
  toMonth: number,
  referenceMonth = toMonth,
): { month: string; factor: number }[] {
  const out: { month: string; factor: number }[] = [];
  for (let m = fromMonth; m <= toMonth; m++) {
    out.push({ month: monthLabel(m), factor: Math.exp(trend.monthly_log_rate * (referenceMonth - m)) });
  }
  return out;
}

/** Factor bringing a price on `saleDay` to `referenceDay` (continuous months). */
export function timeAdjustmentFactor(
  trend: Pick<MarketTrend, 'monthly_log_rate'>,
  saleDay: number,
  referenceDay: number,
): number {
  return Math.exp((trend.monthly_log_rate * (referenceDay - saleDay)) / DAYS_PER_MONTH);
}
