// The cost approach: land value plus depreciated replacement cost new of the improvements, calibrated to the
// market with a time trend, neighborhood land rates and neighborhood market factors derived from sales.
//
//   value = MF[nbhd] × (land + RCN × sqft × percent_good)
//
// * RCN: replacement cost new per square foot by property class and quality grade (REPLACEMENT_COST_PER_SQFT).
// * percent_good = max(PERCENT_GOOD_FLOOR, 1 − effective_age / economic_life[class]) with
//   effective_age = age × CONDITION_AGE_FACTOR[condition]: straight-line depreciation to a floor, faster for
//   poor condition and slower for good condition.
// * land = rate[nbhd] × (min(L, T) + EXCESS_LAND_FACTOR × max(0, L − T)), L the lot area and T the
//   neighborhood's typical (median) lot of the sales: the primary site at the full rate, excess land at a
//   quarter of it. The rate is extracted from sales (abstraction method): the median of
//   (time-adjusted price − depreciated cost) / effective area, floored at LAND_RATE_FLOOR_SHARE of the median
//   price per effective area so that an expensive cost table never yields zero or negative land.
// * time adjustment: the monthly market trend b is the slope of ln(price / depreciated cost) on the months
//   from the valuation date, with neighborhood fixed effects; a sale at month t is adjusted by exp(−b·t).
// * MF[nbhd] = median of adjusted price / (land + depreciated cost) over the neighborhood's sales, so the
//   median sale/value ratio of every neighborhood with enough sales is 1; the rest use the county factor.
import { InsufficientDataError } from '../jobs/job-errors.js';
import { CollinearColumnError, fitOls } from '../statistics/least-squares.js';
import { median } from '../statistics/order-statistics.js';
import { ratioSummary, type RatioSummary } from '../statistics/ratio-statistics.js';
import {
  DAYS_PER_MONTH,
  PROPERTY_CLASSES,
  type ParcelBatch,
  type ParcelColumns,
  type PropertyClass,
  type SalesSample,
  type ValueBatch,
} from './valuation-data.js';

/** Replacement cost new, dollars per square foot of building, by quality grade 1 (low) … 6 (excellent). */
export const REPLACEMENT_COST_PER_SQFT: Readonly<Record<PropertyClass, readonly number[]>> = {
  residential: [75, 95, 120, 150, 190, 240],
  commercial: [90, 115, 140, 175, 215, 265],
  industrial: [55, 70, 85, 105, 130, 160],
  agricultural: [60, 75, 95, 120, 150, 185],
  // A building on a parcel classed vacant (an outbuilding, a shell) is costed as a residential one.
  vacant: [75, 95, 120, 150, 190, 240],
};

/** Economic life in years: after it only the floor of the value remains. */
export const ECONOMIC_LIFE_YEARS: Readonly<Record<PropertyClass, number>> = {
  residential: 70,
  commercial: 50,
  industrial: 45,
  agricultural: 50,
  vacant: 70,
};

/** Effective age per year of actual age by condition 1 (poor) … 5 (excellent). */
export const CONDITION_AGE_FACTOR: readonly number[] = [1.4, 1.2, 1.0, 0.8, 0.6];
/** An old building in use keeps at least this share of its replacement cost. */
export const PERCENT_GOOD_FLOOR = 0.25;
/** Assumed when a characteristic is missing: average quality and condition, middle-aged. */
export const DEFAULT_QUALITY = 3;
export const DEFAULT_CONDITION = 3;
export const DEFAULT_AGE_YEARS = 40;

/** Land beyond the typical lot is worth this share of the rate of the primary site. */
export const EXCESS_LAND_FACTOR = 0.25;
/** Land rate floor as a share of the median price per effective land area. */
export const LAND_RATE_FLOOR_SHARE = 0.1;
/** A neighborhood needs this many sales for its own land rate, market factor or model effect. */
export const MIN_NEIGHBORHOOD_SALES = 5;
/** The cost method needs this many valid sales to calibrate. */
export const MIN_COST_SALES = 30;

/** Depreciated replacement cost of the building (0 without one). */
export function depreciatedCost(
  propertyClass: number,
  buildingSqft: number,
  yearBuilt: number,
  quality: number,
  condition: number,
  valuationYear: number,
): number {
  if (!(buildingSqft > 0)) return 0;
  const cls = PROPERTY_CLASSES[propertyClass] ?? 'residential';
  const grade = clampIndex(quality > 0 ? quality : DEFAULT_QUALITY, REPLACEMENT_COST_PER_SQFT[cls].length);
  const rcn = REPLACEMENT_COST_PER_SQFT[cls][grade] * buildingSqft;
  const age = yearBuilt > 0 ? Math.max(0, valuationYear - yearBuilt) : DEFAULT_AGE_YEARS;
  const conditionFactor = CONDITION_AGE_FACTOR[clampIndex(condition > 0 ? condition : DEFAULT_CONDITION, 5)];
  const percentGood = Math.max(PERCENT_GOOD_FLOOR, 1 - (age * conditionFactor) / ECONOMIC_LIFE_YEARS[cls]);
  return rcn * percentGood;
}

/** 1-based grade → 0-based index, clamped to the table. */
function clampIndex(grade: number, length: number): number {
  return Math.min(length - 1, Math.max(0, Math.round(grade) - 1));
}

export interface LandRate {
  /** Dollars per square foot of effective area. */
  ratePerSqft: number;
  /** Typical (median) lot of the sales, square feet. */
  typicalLot: number;
  /** Sales it was derived from. */
  sales: number;
}

/** Lot area counted at the full rate: the primary site plus discounted excess land. */
export function effectiveLandArea(landSqft: number, typicalLot: number): number {
  if (!(landSqft > 0)) return 0;
  return Math.min(landSqft, typicalLot) + EXCESS_LAND_FACTOR * Math.max(0, landSqft - typicalLot);
}

/** Land rates by neighborhood with a county-wide fallback for neighborhoods with too few sales. */
export class LandRates {
  constructor(
    readonly county: LandRate,
    readonly byNeighborhood: ReadonlyMap<string, LandRate>,
  ) {}

  rateOf(neighborhood: string): LandRate {
    return this.byNeighborhood.get(neighborhood) ?? this.county;
  }

  landValue(neighborhood: string, landSqft: number): number {
    const r = this.rateOf(neighborhood);
    return r.ratePerSqft * effectiveLandArea(landSqft, r.typicalLot);
  }

  /**
   * Rates from per-sale land values: per neighborhood (and for the county), the median of land value per
   * effective area, floored at LAND_RATE_FLOOR_SHARE of the median of `ceiling` (the whole price) per area.
   */
  static fromSales(sales: ParcelColumns, rows: ArrayLike<number>, land: ArrayLike<number>, ceiling: ArrayLike<number>) {
    const groups = new Map<string, number[]>();
    for (let k = 0; k < rows.length; k++) {
      const name = sales.neighborhoods[sales.neighborhood[rows[k]]];
      let list = groups.get(name);
      if (!list) groups.set(name, (list = []));
      list.push(k);
    }
    const all = Array.from({ length: rows.length }, (_, k) => k);
    const rateOf = (members: number[]): LandRate => {
      const typicalLot = median(members.map((k) => sales.landSqft[rows[k]]));
      const perArea = members.map((k) => land[k] / effectiveLandArea(sales.landSqft[rows[k]], typicalLot));
      const ceilingPerArea = members.map((k) => ceiling[k] / effectiveLandArea(sales.landSqft[rows[k]], typicalLot));
      const ratePerSqft = Math.max(median(perArea), LAND_RATE_FLOOR_SHARE * median(ceilingPerArea));
      return { ratePerSqft, typicalLot, sales: members.length };
    };
    const county = rateOf(all);
    const byNeighborhood = new Map<string, LandRate>();
    for (const [name, members] of groups) {
      if (members.length >= MIN_NEIGHBORHOOD_SALES) byNeighborhood.set(name, rateOf(members));
    }
    return new LandRates(county, byNeighborhood);
  }
}

export interface CostCalibration {
  valuationYear: number;
  /** Log market change per month used to adjust sale prices to the valuation date. */
  monthlyTrend: number;
  landRates: LandRates;
  marketFactors: ReadonlyMap<string, number>;
  countyMarketFactor: number;
  /** In-sample value/adjusted-price statistics, overall and by neighborhood. */
  ratios: RatioSummary;
  byNeighborhood: Map<string, RatioSummary>;
  salesUsed: number;
}

/** Calibrates the cost approach on valid sales; throws InsufficientDataError when there are too few. */
export function calibrateCostApproach(sales: SalesSample, valuationYear: number): CostCalibration {
  const rows: number[] = [];
  for (let i = 0; i < sales.size; i++) if (sales.landSqft[i] > 0 && sales.price[i] > 0) rows.push(i);
  if (rows.length < MIN_COST_SALES) {
    throw new InsufficientDataError(
      `the cost method needs at least ${MIN_COST_SALES} valid sales of parcels with a lot area to derive land ` +
        `rates and market factors; found ${rows.length}`,
    );
  }
  const cost = rows.map((i) =>
    depreciatedCost(
      sales.propertyClass[i],
      sales.buildingSqft[i],
      sales.yearBuilt[i],
      sales.quality[i],
      sales.condition[i],
      valuationYear,
    ),
  );
  const monthlyTrend = estimateTrend(sales, rows, cost);
  const adjusted = rows.map((i) => sales.price[i] * Math.exp(-monthlyTrend * (sales.days[i] / DAYS_PER_MONTH)));
  const residualLand = rows.map((_, k) => adjusted[k] - cost[k]);
  const landRates = LandRates.fromSales(sales, rows, residualLand, adjusted);

  const preliminary = rows.map((i, k) => {
    const name = sales.neighborhoods[sales.neighborhood[i]];
    return landRates.landValue(name, sales.landSqft[i]) + cost[k];
  });
  const ratioByNeighborhood = new Map<string, number[]>();
  const allRatios: number[] = [];
  rows.forEach((i, k) => {
    const name = sales.neighborhoods[sales.neighborhood[i]];
    const r = adjusted[k] / preliminary[k];
    allRatios.push(r);
    const list = ratioByNeighborhood.get(name);
    if (list) list.push(r);
    else ratioByNeighborhood.set(name, [r]);
  });
  const countyMarketFactor = median(allRatios);
  const marketFactors = new Map<string, number>();
  for (const [name, list] of ratioByNeighborhood) {
    if (list.length >= MIN_NEIGHBORHOOD_SALES) marketFactors.set(name, median(list));
  }

  const values = new Float64Array(rows.length);
  const prices = Float64Array.from(adjusted);
  const groups = new Map<string, { values: number[]; prices: number[] }>();
  rows.forEach((i, k) => {
    const name = sales.neighborhoods[sales.neighborhood[i]];
    values[k] = (marketFactors.get(name) ?? countyMarketFactor) * preliminary[k];
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { values: [], prices: [] }));
    g.values.push(values[k]);
    g.prices.push(prices[k]);
  });
  const byNeighborhood = new Map<string, RatioSummary>();
  for (const [name, g] of groups) byNeighborhood.set(name, ratioSummary(g.values, g.prices));
  return {
    valuationYear,
    monthlyTrend,
    landRates,
    marketFactors,
    countyMarketFactor,
    ratios: ratioSummary(values, prices),
    byNeighborhood,
    salesUsed: rows.length,
  };
}

/**
 * Slope of ln(price / depreciated cost) on months from the valuation date with neighborhood fixed effects, over
 * the sales of improved parcels; 0 when the sales do not span enough time to estimate it.
 */
function estimateTrend(sales: SalesSample, rows: number[], cost: number[]): number {
  const improved = rows.map((i, k) => [i, k] as const).filter(([, k]) => cost[k] > 0);
  const counts = new Map<number, number>();
  for (const [i] of improved) counts.set(sales.neighborhood[i], (counts.get(sales.neighborhood[i]) ?? 0) + 1);
  const large = [...counts].filter(([, c]) => c >= MIN_NEIGHBORHOOD_SALES).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  // The largest neighborhood (and all small ones) form the reference group.
  const column = new Map<number, number>(large.slice(1).map(([nb], j) => [nb, 2 + j]));
  const p = 2 + column.size;
  if (improved.length <= p + 10) return 0;
  try {
    const fit = fitOls({
      n: improved.length,
      p,
      y: Float64Array.from(improved, ([i, k]) => Math.log(sales.price[i] / cost[k])),
      indicators: new Set(column.values()),
      fillRow: (r, x) => {
        const i = improved[r][0];
        x[1] = sales.days[i] / DAYS_PER_MONTH;
        const c = column.get(sales.neighborhood[i]);
        if (c !== undefined) x[c] = 1;
      },
    });
    return fit.beta[1];
  } catch (error) {
    if (error instanceof CollinearColumnError) return 0;
    throw error;
  }
}

/** Cost-approach values of a batch; `basis` receives 1 (cost) or 2 (land only) per parcel. */
export function costValues(calibration: CostCalibration, batch: ParcelBatch, out: ValueBatch, basis: Uint8Array): void {
  for (let i = 0; i < batch.size; i++) {
    const name = batch.neighborhoods[batch.neighborhood[i]];
    const factor = calibration.marketFactors.get(name) ?? calibration.countyMarketFactor;
    const land = factor * calibration.landRates.landValue(name, batch.landSqft[i]);
    const building =
      factor *
      depreciatedCost(
        batch.propertyClass[i],
        batch.buildingSqft[i],
        batch.yearBuilt[i],
        batch.quality[i],
        batch.condition[i],
        calibration.valuationYear,
      );
    setValue(out, i, land, building);
    basis[i] = building > 0 ? 1 : 2;
  }
}

/** Stores whole-dollar land and improvement values (non-negative, finite). */
export function setValue(out: ValueBatch, i: number, land: number, improvement: number): void {
  const l = Number.isFinite(land) && land > 0 ? Math.round(land) : 0;
  const total = Number.isFinite(improvement) ? Math.round(l + Math.max(0, improvement)) : l;
  out.land[i] = l;
  out.improvement[i] = Math.max(0, total - l);
}
