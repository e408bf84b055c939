// The sales comparison approach on a hedonic (log-linear) model: which sales are most comparable to a subject
// property, each sale's price adjusted to the subject with the model's coefficients, and the adjusted prices
// reconciled into one indicated value.
//
// The model prices ln(price) = Σ_k term_k(x) + location effect + trend · months (+ intercept). For a subject s
// and a sale c, every characteristic k contributes the log difference d_k = term_k(s) − term_k(c) (the price c
// would have fetched with s's characteristic k instead of its own), the location the difference of the
// neighborhood effects, and time −trend · months(c) (the market change from the sale to the valuation date).
//
// Distance (smaller is more comparable), in log-price units:
//   Σ_k |d_k| + |location difference| + |trend · months| + PER_KM · kilometres + OTHER_NEIGHBORHOOD (if another)
// i.e. the gross adjustment the sale needs, plus a penalty per kilometre between the two and one for a sale in
// another neighborhood (so that, at equal adjustments, the closer sale and the same neighborhood win).
//
// Adjustments are sequential and multiplicative, in the order of appraisal practice: time (market conditions),
// location, then the physical characteristics in CHARACTERISTICS order. The running price after step j is
// P · exp(−trend · months) · Π_{i ≤ j} exp(d_i); each step's dollar amount is the difference of the running price
// rounded to the cent before and after it, so the amounts add up exactly: adjusted price = time-adjusted price +
// Σ amounts, to the cent. (The product does not depend on the order; the split into dollars does.)
//
// Reconciliation: the adjusted prices' weighted mean with weights inversely proportional to each sale's gross
// adjustment share (Σ |dollar adjustments|, time included, over its sale price), floored at GROSS_SHARE_FLOOR so
// that a nearly identical sale does not take all the weight. The indicated value thus lies between the smallest
// and the largest adjusted price.
//
// Searching: the distance without its time and kilometre terms (characteristics, location, other-neighborhood
// penalty) depends on the parcel alone and is a lower bound of the distance of any of its sales, so a search may
// examine parcels in increasing order of that bound and stop once selectionComplete() says no parcel left can
// hold a nearer sale.

/** Coefficients of the characteristics in the model (log price per unit; ln of the areas). */
export interface HedonicCoefficients {
  ln_building_sqft: number;
  ln_land_sqft: number;
  age: number;
  age_squared: number;
  quality: number;
  condition: number;
  bathrooms: number;
}

export const HEDONIC_COEFFICIENT_TERMS = [
  'ln_building_sqft',
  'ln_land_sqft',
  'age',
  'age_squared',
  'quality',
  'condition',
  'bathrooms',
] as const satisfies readonly (keyof HedonicCoefficients)[];

export interface ComparisonModel {
  coefficients: HedonicCoefficients;
  /** Log market change per month. */
  monthlyTrend: number;
  /** Year of the valuation date: ages are counted to it (never below 0). */
  valuationYear: number;
}

/** What the model knows of a property. */
export interface PropertyTraits {
  buildingSqft: number;
  landSqft: number;
  yearBuilt: number;
  quality: number;
  condition: number;
  bathrooms: number;
  neighborhood: string;
  /** The model's log location effect of the neighborhood. */
  locationEffect: number;
  /** WGS84 location point; null when unknown. */
  lon: number | null;
  lat: number | null;
}

/** A valid sale of a property. */
export interface CandidateSale extends PropertyTraits {
  saleId: string;
  parcelId: string;
  /** YYYY-MM-DD */
  saleDate: string;
  /** Dollars. */
  price: number;
  /** Months from the valuation date to the sale (negative before it). */
  months: number;
}

export interface DistancePenalties {
  /** Log-price units per kilometre between subject and sale. */
  perKm: number;
  /** Log-price units for a sale in another neighborhood. */
  otherNeighborhood: number;
}

export const DEFAULT_PENALTIES: DistancePenalties = { perKm: 0.02, otherNeighborhood: 0.1 };
/** The smallest gross adjustment share a reconciliation weight is computed from. */
export const GROSS_SHARE_FLOOR = 0.05;

/** The adjustments in the order they are applied after time. */
export const CHARACTERISTICS = [
  'location',
  'building_sqft',
  'land_sqft',
  'age',
  'quality',
  'condition',
  'bathrooms',
] as const;
export type Characteristic = (typeof CHARACTERISTICS)[number];

/** One characteristic's difference between subject and sale. */
export interface LogDifference {
  characteristic: Characteristic;
  /** The subject's value (the neighborhood name for location; age in years for age). */
  subject: number | string;
  comparable: number | string;
  /** term(subject) − term(sale) in log-price units. */
  log: number;
}

export function ageAt(valuationYear: number, yearBuilt: number): number {
  return Math.max(0, valuationYear - yearBuilt);
}

/** Per characteristic, its value as shown and its term of the model's log price. */
function terms(model: ComparisonModel, p: PropertyTraits): [number | string, number][] {
  const b = model.coefficients;
  const age = ageAt(model.valuationYear, p.yearBuilt);
  return [
    [p.neighborhood, p.locationEffect],
    [p.buildingSqft, b.ln_building_sqft * Math.log(p.buildingSqft)],
    [p.landSqft, b.ln_land_sqft * Math.log(p.landSqft)],
    [age, b.age * age + b.age_squared * age * age],
    [p.quality, b.quality * p.quality],
    [p.condition, b.condition * p.condition],
    [p.bathrooms, b.bathrooms * p.bathrooms],
  ];
}

/** The property's terms of the model's log price, one per characteristic in CHARACTERISTICS order. */
export function characteristicTerms(model: ComparisonModel, p: PropertyTraits): number[] {
  return terms(model, p).map(([, term]) => term);
}

/** The log differences subject − sale, one per characteristic in CHARACTERISTICS order. */
export function logDifferences(model: ComparisonModel, subject: PropertyTraits, sale: PropertyTraits): LogDifference[] {
  const s = terms(model, subject);
  const c = terms(model, sale);
  return CHARACTERISTICS.map((characteristic, k) => ({
    characteristic,
    subject: s[k][0],
    comparable: c[k][0],
    // The same neighborhood has no location difference, whatever rounding its effect went through.
    log: characteristic === 'location' && subject.neighborhood === sale.neighborhood ? 0 : s[k][1] - c[k][1],
  }));
}

const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Great-circle distance in km (haversine); null when either point is unknown. */
export function kilometres(
  a: { lon: number | null; lat: number | null },
  b: { lon: number | null; lat: number | null },
): number | null {
  if (a.lon === null || a.lat === null || b.lon === null || b.lat === null) return null;
  if (![a.lon, a.lat, b.lon, b.lat].every(Number.isFinite)) return null;
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface Distance {
  /** The comparison distance (log-price units, penalties included). */
  score: number;
  /** Kilometres between subject and sale (null when a location is unknown: no distance penalty then). */
  km: number | null;
}

export function comparisonDistance(
  model: ComparisonModel,
  subject: PropertyTraits,
  sale: CandidateSale,
  penalties: DistancePenalties = DEFAULT_PENALTIES,
): Distance {
  let score = Math.abs(model.monthlyTrend * sale.months);
  for (const d of logDifferences(model, subject, sale)) score += Math.abs(d.log);
  const km = kilometres(subject, sale);
  if (km !== null) score += penalties.perKm * km;
  if (sale.neighborhood !== subject.neighborhood) score += penalties.otherNeighborhood;
  return { score, km };
}

/**
 * The part of the distance that depends on the parcel alone (characteristics, location, the other-neighborhood
 * penalty): a lower bound of the distance of each of its sales.
 */
export function parcelBound(
  model: ComparisonModel,
  subject: PropertyTraits,
  parcel: PropertyTraits,
  penalties: DistancePenalties = DEFAULT_PENALTIES,
): number {
  let bound = parcel.neighborhood !== subject.neighborhood ? penalties.otherNeighborhood : 0;
  for (const d of logDifferences(model, subject, parcel)) bound += Math.abs(d.log);
  return bound;
}

export interface RankedSale<S extends CandidateSale> extends Distance {
  sale: S;
}

/**
 * The `limit` most comparable sales, nearest first (ties: the later sale, then the smaller sale id). A parcel
 * sold more than once counts once, with its most comparable sale.
 */
export function selectComparables<S extends CandidateSale>(
  model: ComparisonModel,
  subject: PropertyTraits,
  candidates: readonly S[],
  limit: number,
  penalties: DistancePenalties = DEFAULT_PENALTIES,
): RankedSale<S>[] {
  const best = new Map<string, RankedSale<S>>();
  for (const sale of candidates) {
    const ranked = { sale, ...comparisonDistance(model, subject, sale, penalties) };
    if (!Number.isFinite(ranked.score)) continue;
    const seen = best.get(sale.parcelId);
    if (seen === undefined || compareRanked(ranked, seen) < 0) best.set(sale.parcelId, ranked);
  }
  return [...best.values()].sort(compareRanked).slice(0, Math.max(0, limit));
}

function compareRanked(a: RankedSale<CandidateSale>, b: RankedSale<CandidateSale>): number {
  if (a.score !== b.score) return a.score - b.score;
  if (a.sale.saleDate !== b.sale.saleDate) return a.sale.saleDate > b.sale.saleDate ? -1 : 1;
  return compareIds(a.sale.saleId, b.sale.saleId);
}

/** Numeric ids compare as numbers (shorter is smaller), other ids as text. */
function compareIds(a: string, b: string): number {
  if (a.length !== b.length && /^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether the `limit` most comparable sales among those of the parcels examined so far are the most comparable of
 * all, when every parcel not examined has a lower bound of its distance ≥ `unseenBound` (searches that examine
 * parcels in increasing order of a lower bound — the distance without its time and kilometre terms — and stop
 * early). True when `limit` sales were ranked and the last of them is strictly nearer than any unseen sale can be.
 */
export function selectionComplete(ranked: readonly Distance[], limit: number, unseenBound: number): boolean {
  if (limit <= 0) return true;
  if (ranked.length < limit) return false;
  // Margin for the last bits of ln() computed elsewhere (the bound may come from the database).
  return ranked[limit - 1].score < unseenBound - 1e-9;
}

/** One adjustment step, in cents. */
export interface Adjustment extends LogDifference {
  /** exp(log): the factor applied to the running price. */
  factor: number;
  /** Dollar amount in cents: running price after this step − before it, each rounded to the cent. */
  amountCents: number;
}

export interface AdjustedSale {
  priceCents: number;
  /** The market change from the sale date to the valuation date (log units: −trend · months). */
  timeLog: number;
  timeAdjustmentCents: number;
  timeAdjustedCents: number;
  adjustments: Adjustment[];
  /** = timeAdjustedCents + Σ adjustments[].amountCents, exactly. */
  adjustedCents: number;
  /** adjusted − sale price (time included). */
  netCents: number;
  /** Σ |every dollar adjustment| (time included). */
  grossCents: number;
  /** grossCents / priceCents. */
  grossShare: number;
}

const cents = (dollars: number): number => Math.round(dollars * 100);

/** The sale's price adjusted to the subject at the valuation date, step by step (see the top of this file). */
export function adjustSale(model: ComparisonModel, subject: PropertyTraits, sale: CandidateSale): AdjustedSale {
  const priceCents = cents(sale.price);
  const timeLog = -model.monthlyTrend * sale.months;
  let running = sale.price * Math.exp(timeLog);
  const timeAdjustedCents = cents(running);
  let previous = timeAdjustedCents;
  let gross = Math.abs(timeAdjustedCents - priceCents);
  const adjustments: Adjustment[] = logDifferences(model, subject, sale).map((d) => {
    const factor = Math.exp(d.log);
    running *= factor;
    const now = cents(running);
    const amountCents = now - previous;
    previous = now;
    gross += Math.abs(amountCents);
    return { ...d, factor, amountCents };
  });
  return {
    priceCents,
    timeLog,
    timeAdjustmentCents: timeAdjustedCents - priceCents,
    timeAdjustedCents,
    adjustments,
    adjustedCents: previous,
    netCents: previous - priceCents,
    grossCents: gross,
    grossShare: priceCents > 0 ? gross / priceCents : Number.POSITIVE_INFINITY,
  };
}

export interface Reconciliation {
  /** Weights in input order, summing to 1. */
  weights: number[];
  /** The weighted mean of the adjusted prices, rounded to the cent; null without sales. */
  valueCents: number | null;
}

/** Weighted mean of the adjusted prices, weights ∝ 1 / max(gross share, GROSS_SHARE_FLOOR). */
export function reconcile(
  sales: readonly Pick<AdjustedSale, 'adjustedCents' | 'grossShare'>[],
  floor = GROSS_SHARE_FLOOR,
): Reconciliation {
  if (sales.length === 0) return { weights: [], valueCents: null };
  const raw = sales.map((s) => 1 / Math.max(floor, s.grossShare));
  const total = raw.reduce((a, w) => a + w, 0);
  const weights = raw.map((w) => w / total);
  let value = 0;
  for (let i = 0; i < sales.length; i++) value += weights[i] * sales[i].adjustedCents;
  // Within [min, max] of the adjusted prices whatever the floating-point sum did.
  const lo = Math.min(...sales.map((s) => s.adjustedCents));
  const hi = Math.max(...sales.map((s) => s.adjustedCents));
  return { weights, valueCents: Math.min(hi, Math.max(lo, Math.round(value))) };
}
