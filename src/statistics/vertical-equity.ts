// Vertical equity by Gini indices (Quintos, "A Gini measure for vertical equity in property assessments", Journal of
// Property Tax Assessment & Administration 17(2), 2020):
//   order the sales by sale price ascending; ties in price keep their input order (a stable sort), so the same sales
//   in the same order always give the same figure — the order of the estimates within a tie changes G(estimates)
//   G(x) = (2 · Σ_i i·x_i / Σ_i x_i − (n + 1)) / n,  i = 1..n in that order
//   MKI (modified Kakwani index) = G(estimates) / G(sale prices);  KI (Kakwani index) = G(estimates) − G(sale prices)
// MKI < 1: regressive (low-priced property assessed at a higher share of its price), 1: vertical equity,
// > 1: progressive. Quintos recommends 0.95 < MKI ≤ 1.05. fixtures/quintos-sample.ts holds the paper's 30 sales.
import { stableArgsort } from './order-statistics.js';

/** Indices 0..n−1 ordered by price ascending, ties by index (a stable sort). */
export function stablePriceOrder(price: ArrayLike<number>): Int32Array {
  return stableArgsort(price);
}

/** G(x) over the order given (1-based positions); null when Σ x is 0 or n is 0. */
export function giniOverOrder(x: ArrayLike<number>, order: ArrayLike<number>): number | null {
  const n = order.length;
  if (n === 0) return null;
  let weighted = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = x[order[i]];
    weighted += (i + 1) * v;
    sum += v;
  }
  if (!(sum !== 0)) return null;
  return ((2 * weighted) / sum - (n + 1)) / n;
}

export interface KakwaniIndices {
  /** Modified Kakwani index G(estimates) / G(prices); null when the prices have no spread. */
  mki: number | null;
  /** Kakwani index G(estimates) − G(prices). */
  ki: number | null;
  gini_estimate: number | null;
  gini_price: number | null;
}

/** MKI and KI of the sample (estimate[i], price[i]); `order` is stablePriceOrder(price) when not given. */
export function kakwaniIndices(
  estimate: ArrayLike<number>,
  price: ArrayLike<number>,
  order: ArrayLike<number> = stablePriceOrder(price),
): KakwaniIndices {
  const ge = giniOverOrder(estimate, order);
  const gp = giniOverOrder(price, order);
  return {
    mki: ge === null || gp === null || !(gp > 0) ? null : ge / gp,
    ki: ge === null || gp === null ? null : ge - gp,
    gini_estimate: ge,
    gini_price: gp,
  };
}

/** Quintos's recommended range of the MKI: 0.95 < MKI ≤ 1.05 (open below, closed above). */
export const MKI_RANGE: readonly [number, number] = [0.95, 1.05];

export function mkiWithinRange(mki: number | null): boolean | null {
  return mki === null ? null : mki > MKI_RANGE[0] && mki <= MKI_RANGE[1];
}
