// The cost approach: land value plus depreciated replacement cost new of the improvements, calibrated to the
// market with a time trend, neighborhood land rates and neighborhood improvement factors derived from sales.
//
//   value = land[nbhd] + IF[nbhd] × RCN × sqft × percent_good
//
// * RCN: replacement cost new per square foot by property class and quality grade (REPLACEMENT_COST_PER_SQFT).
// * percent_good = max(PERCENT_GOOD_FLOOR, 1 − effective_age / economic_life[class]) with
//   effective_age = age × CONDITION_AGE_FACTOR[condition]: straight-line depreciation to a floor, faster for
//   poor condition and slower for good condition.
// * time adjustment: the monthly market trend b is the one `price_trend` reports — the same estimator
//   (fitMarketTrend in src/statistics/market-trend.ts: a hedonic regression with neighborhood × class fixed
//   effects) on the same sales, with t in months from the valuation date; a sale at month t is adjusted by
//   exp(−b·t). Too few sales or months for a trend: no adjustment.
// * land = rate[nbhd] × (min(L, T) + EXCESS_LAND_FACTOR × max(0, L − T)), L the lot area and T the
//   neighborhood's typical (median) lot of the sales: the primary site at the full rate, excess land at a
//   quarter of it. The rate comes from land-only sales (sales of parcels without a building) where a
//   neighborhood has MIN_NEIGHBORHOOD_SALES of them: their median adjusted price per effective area, capped
//   at LAND_SHARE_BAND.max of the median adjusted price per effective area of its improved sales. Otherwise
//   by extraction from improved sales: a sale's land is its adjusted price minus the depreciated cost of its
//   building, bounded to LAND_SHARE_BAND of the price, and the rate is the median per effective area.
//   Neighborhoods with too few sales take the county's rate.
// * IF[nbhd]: the factor that brings the median of adjusted price / (land + IF × depreciated cost) over the
//   neighborhood's improved sales to 1 (the county's factor for neighborhoods with fewer than
//   MIN_NEIGHBORHOOD_SALES improved sales): the market value of a dollar of depreciated cost there.
//
// The land share band. A cost table in dollars is not the market's price of a building, so price minus cost
// alone can leave most of a house's price to its land (58–85 % in small counties). The typical residential
// land-to-value ratio is held to LAND_SHARE_BAND, 10–40 %: extraction bounds each sale's land to that share
// of its price, a rate from land sales is capped at what the improved sales support, and an improved
// residential parcel's land is kept within 10–40 % of its value (the total unchanged, only the split moves).
import { InsufficientDataError } from '../jobs/job-errors.js';
import { dayNumber } from '../statistics/calendar.js';
import { fitMarketTrend, type MarketTrend } from '../statistics/market-trend.js';
import { median } from '../statistics/order-statistics.js';
import { ratioSummary, type RatioSummary } from '../statistics/ratio-statistics.js';
import type { SaleColumns } from '../statistics/sale-columns.js';
import {
  DAYS_PER_MONTH,
  PROPERTY_CLASSES,
  RESIDENTIAL,
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
/**
 * Share of a sale's (time-adjusted) price that land may take in extraction, and the cap of a rate from land
 * sales relative to the improved sales: the plausible band of a typical residential land-to-value ratio.
 */
export const LAND_SHARE_BAND = { min: 0.1, max: 0.4 } as const;
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
  /** The market trend fit (the price_trend estimator on the same sales); null when it could not be fitted. */
  trend: MarketTrend | null;
  landRates: LandRates;
  /** Where each neighborhood's land rate came from. */
  landRateSources: ReadonlyMap<string, LandRateSource>;
  /** Improvement factors: market value of a dollar of depreciated replacement cost, by neighborhood. */
  marketFactors: ReadonlyMap<string, number>;
  countyMarketFactor: number;
  /** In-sample value/adjusted-price statistics, overall and by neighborhood. */
  ratios: RatioSummary;
  byNeighborhood: Map<string, RatioSummary>;
  salesUsed: number;
}

export type LandRateSource = 'land_sales' | 'extraction' | 'county';

/** Calibrates the cost approach on valid sales; throws InsufficientDataError when there are too few. */
export function calibrateCostApproach(
  sales: SalesSample,
  valuationYear: number,
  valuationDay: number = dayNumber(`${valuationYear}-01-01`),
): CostCalibration {
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
  const trend = fitMarketTrend(saleColumnsOf(sales, valuationDay), valuationDay);
  const monthlyTrend = trend?.monthly_log_rate ?? 0;
  const adjusted = rows.map((i) => sales.price[i] * Math.exp(-monthlyTrend * (sales.days[i] / DAYS_PER_MONTH)));
  const { landRates, sources } = landRatesOf(sales, rows, adjusted, cost);
  const land = rows.map((i) => landRates.landValue(sales.neighborhoods[sales.neighborhood[i]], sales.landSqft[i]));

  // Improvement factors from the improved sales: per neighborhood (and for the county) the factor f that
  // brings the median of adjusted price / (land + f · cost) to 1.
  const groups = new Map<string, number[]>();
  const improved: number[] = [];
  rows.forEach((i, k) => {
    if (!(cost[k] > 0)) return;
    improved.push(k);
    const name = sales.neighborhoods[sales.neighborhood[i]];
    const list = groups.get(name);
    if (list) list.push(k);
    else groups.set(name, [k]);
  });
  const factorOf = (members: number[]) => improvementFactor(members, adjusted, land, cost);
  const countyMarketFactor = improved.length > 0 ? factorOf(improved) : 1;
  const marketFactors = new Map<string, number>();
  for (const [name, members] of groups) {
    if (members.length >= MIN_NEIGHBORHOOD_SALES) marketFactors.set(name, factorOf(members));
  }

  const values = new Float64Array(rows.length);
  const prices = Float64Array.from(adjusted);
  const byGroup = new Map<string, { values: number[]; prices: number[] }>();
  rows.forEach((i, k) => {
    const name = sales.neighborhoods[sales.neighborhood[i]];
    values[k] = land[k] + (marketFactors.get(name) ?? countyMarketFactor) * cost[k];
    let g = byGroup.get(name);
    if (!g) byGroup.set(name, (g = { values: [], prices: [] }));
    g.values.push(values[k]);
    g.prices.push(prices[k]);
  });
  const byNeighborhood = new Map<string, RatioSummary>();
  for (const [name, g] of byGroup) byNeighborhood.set(name, ratioSummary(g.values, g.prices));
  return {
    valuationYear,
    monthlyTrend,
    trend,
    landRates,
    landRateSources: sources,
    marketFactors,
    countyMarketFactor,
    ratios: ratioSummary(values, prices),
    byNeighborhood,
    salesUsed: rows.length,
  };
}

/** The sales as the columns the market-trend estimator reads (days counted from `valuationDay`). */
function saleColumnsOf(sales: SalesSample, valuationDay: number): SaleColumns {
  return {
    day: Int32Array.from(sales.days, (d) => valuationDay + Math.round(d)),
    price: sales.price,
    buildingSqft: sales.buildingSqft,
    landSqft: sales.landSqft,
    yearBuilt: sales.yearBuilt,
    quality: sales.quality,
    condition: sales.condition,
    bathrooms: sales.bathrooms,
    neighborhood: Int32Array.from(sales.neighborhood),
    neighborhoodLabels: [...sales.neighborhoods],
    propertyClass: Int32Array.from(sales.propertyClass),
    classLabels: [...PROPERTY_CLASSES],
  };
}

/**
 * Land rates per neighborhood (and for the county, the fallback of neighborhoods with too few sales):
 * * from land-only sales (no building) when the group has MIN_NEIGHBORHOOD_SALES of them: the median adjusted
 *   price per effective area, capped at what the group's improved sales support — LAND_SHARE_BAND.max of their
 *   median adjusted price per effective area;
 * * otherwise by extraction from improved sales: each sale's land is its adjusted price minus the depreciated
 *   cost of its building, bounded to LAND_SHARE_BAND of the price (never more of a sale than the band allows,
 *   never less), and the rate is the median of land per effective area.
 */
function landRatesOf(
  sales: SalesSample,
  rows: number[],
  adjusted: number[],
  cost: number[],
): { landRates: LandRates; sources: Map<string, LandRateSource> } {
  const groups = new Map<string, number[]>();
  rows.forEach((i, k) => {
    const name = sales.neighborhoods[sales.neighborhood[i]];
    const list = groups.get(name);
    if (list) list.push(k);
    else groups.set(name, [k]);
  });
  // `minimum`: sales a source needs (the county takes whatever it has, land sales first).
  const rateOf = (members: number[], minimum: number): { rate: LandRate; source: LandRateSource } | null => {
    const typicalLot = median(members.map((k) => sales.landSqft[rows[k]]));
    const area = (k: number) => effectiveLandArea(sales.landSqft[rows[k]], typicalLot);
    const landOnly = members.filter((k) => !(cost[k] > 0));
    const built = members.filter((k) => cost[k] > 0);
    const of = (ratePerSqft: number, source: LandRateSource) => ({
      rate: { ratePerSqft, typicalLot, sales: members.length },
      source,
    });
    if (landOnly.length >= Math.max(1, minimum) || (built.length === 0 && landOnly.length > 0)) {
      const direct = median(landOnly.map((k) => adjusted[k] / area(k)));
      const supported =
        built.length > 0 ? LAND_SHARE_BAND.max * median(built.map((k) => adjusted[k] / area(k))) : Infinity;
      return of(Math.min(direct, supported), 'land_sales');
    }
    if (built.length >= Math.max(1, minimum)) {
      const extracted = built.map((k) => {
        const share = Math.min(LAND_SHARE_BAND.max, Math.max(LAND_SHARE_BAND.min, 1 - cost[k] / adjusted[k]));
        return (share * adjusted[k]) / area(k);
      });
      return of(median(extracted), 'extraction');
    }
    return null;
  };
  const countyRate = rateOf(
    rows.map((_, k) => k),
    0,
  )!;
  const byNeighborhood = new Map<string, LandRate>();
  const sources = new Map<string, LandRateSource>();
  for (const [name, members] of groups) {
    const r = members.length >= MIN_NEIGHBORHOOD_SALES ? rateOf(members, MIN_NEIGHBORHOOD_SALES) : null;
    if (r) {
      byNeighborhood.set(name, r.rate);
      sources.set(name, r.source);
    } else sources.set(name, 'county');
  }
  return { landRates: new LandRates(countyRate.rate, byNeighborhood), sources };
}

/**
 * The factor f with median(price / (land + f · cost)) = 1 over `members`, f in [0.05, 20]. Each ratio falls as f
 * grows and is ≥ 1 exactly while f ≤ (price − land) / cost, so the median ratio crosses 1 at the median of those
 * break-even factors: one sort instead of a search that sorts the ratios at every step.
 */
function improvementFactor(members: number[], price: number[], land: number[], cost: number[]): number {
  const breakEven = members.map((k) => (price[k] - land[k]) / cost[k]);
  return Math.min(20, Math.max(0.05, median(breakEven)));
}

/** Cost-approach values of a batch; `basis` receives 1 (cost) or 2 (land only) per parcel. */
export function costValues(calibration: CostCalibration, batch: ParcelBatch, out: ValueBatch, basis: Uint8Array): void {
  for (let i = 0; i < batch.size; i++) {
    const name = batch.neighborhoods[batch.neighborhood[i]];
    const factor = calibration.marketFactors.get(name) ?? calibration.countyMarketFactor;
    let land = calibration.landRates.landValue(name, batch.landSqft[i]);
    let building =
      factor *
      depreciatedCost(
        batch.propertyClass[i],
        batch.buildingSqft[i],
        batch.yearBuilt[i],
        batch.quality[i],
        batch.condition[i],
        calibration.valuationYear,
      );
    if (batch.propertyClass[i] === RESIDENTIAL && building > 0) [land, building] = withinLandShareBand(land, building);
    setValue(out, i, land, building);
    basis[i] = building > 0 ? 1 : 2;
  }
}

/** Land and improvements of the same total with land within LAND_SHARE_BAND of it. */
export function withinLandShareBand(land: number, improvement: number): [number, number] {
  const total = land + improvement;
  const bounded = Math.min(LAND_SHARE_BAND.max * total, Math.max(LAND_SHARE_BAND.min * total, land));
  return [bounded, total - bounded];
}

/** Stores whole-dollar land and improvement values (non-negative, finite). */
export function setValue(out: ValueBatch, i: number, land: number, improvement: number): void {
  const l = Number.isFinite(land) && land > 0 ? Math.round(land) : 0;
  const total = Number.isFinite(improvement) ? Math.round(l + Math.max(0, improvement)) : l;
  out.land[i] = l;
  out.improvement[i] = Math.max(0, total - l);
}
