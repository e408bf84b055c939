// The price model behind the synthetic demo county: its true coefficients, kept in one place so that the
// valuation and market-analysis tests can check that their estimates recover them.
//
// For an improved residential parcel i sold at date d:
//
//   ln(price) = intercept
//             + ln_building_sqft · ln(building_sqft)
//             + ln_land_sqft     · ln(land_sqft)
//             + age              · age
//             + age_squared      · age²
//             + quality          · quality        (1–6)
//             + condition        · condition      (1–5)
//             + bathrooms        · bathrooms
//             + neighborhoodEffects[neighborhood]  (sum to zero over all neighborhoods)
//             + monthlyTrend     · t
//             + ε,              ε ~ N(0, sigma²)
//
//   age = year(referenceDate) − year_built   (the age at the valuation date, constant per parcel)
//   t   = (d − referenceDate) in days / (365.25 / 12)   (months; negative for sales before the reference date)
//
// So exp(ln price without ε) is the median market value at the reference date (1 January of
// `referenceTaxYear`), and the market rises by exp(monthlyTrend) − 1 ≈ 0.5 % a month.
// A regression with neighborhood fixed effects relative to a base neighborhood B estimates
// intercept + effect[B] as its intercept and effect[k] − effect[B] for each other neighborhood k.
// Only valid (arm's-length) sales follow the model; invalid ones carry distorted prices.

export const TRUE_MODEL = {
  /** Valuation date the model is anchored at: t = 0 and the age base year. */
  referenceDate: '2025-01-01',
  /** Tax year whose valuation date (1 January) is `referenceDate`. */
  referenceTaxYear: 2025,
  intercept: 6.6,
  coefficients: {
    ln_building_sqft: 0.55,
    ln_land_sqft: 0.15,
    age: -0.0065,
    age_squared: 0.00004,
    quality: 0.11,
    condition: 0.06,
    bathrooms: 0.035,
  },
  /** Log rate per month of the market trend (≈ +0.50 % a month, ≈ +6.2 % a year). */
  monthlyTrend: 0.005,
  /** Standard deviation of the log-price noise of valid sales. */
  sigma: 0.13,
  /** Additive log-price effect per neighborhood; the effects sum to zero. */
  neighborhoodEffects: {
    'Courthouse Square': 0.0995,
    'Old Town': 0.0495,
    'Market District': -0.0205,
    'Depot Row': -0.3005,
    Riverside: 0.1195,
    'Mill Creek': -0.1205,
    'College Hill': 0.1795,
    Eastgate: -0.0805,
    Westside: -0.1805,
    Northgate: -0.0505,
    Southpark: -0.2205,
    Railyard: -0.3505,
    'Maple Heights': 0.0795,
    'Oak Hill': 0.1495,
    'Cedar Grove': 0.0195,
    'Willow Bend': 0.0995,
    Fairview: -0.0405,
    'Lincoln Park': -0.0005,
    Highland: 0.1995,
    Briarwood: 0.0595,
    'Prairie View': -0.0805,
    Brookside: -0.1005,
    'Elm Terrace': -0.1505,
    'Sycamore Ridge': 0.1195,
    Foxcroft: 0.3795,
    Stonegate: 0.4495,
    Lakeshore: 0.3195,
    'Walnut Creek': 0.0395,
    'Pleasant Valley': -0.0205,
    'Cherry Hills': 0.2795,
    Meadowbrook: 0.0895,
    'Bluff Park': -0.0605,
    'Harvest Fields': -0.1205,
    'Clear Springs': -0.0505,
    'Red Barn': -0.2005,
    'Pine Hollow': 0.0195,
    'Cottonwood Flats': -0.2505,
    'Quarry Road': -0.2805,
    'Timber Ridge': -0.0805,
    'Sunset Acres': 0.0095,
  } as Readonly<Record<string, number>>,
} as const;

export type HedonicTerm = keyof typeof TRUE_MODEL.coefficients;

/** The characteristics the model prices. */
export interface HedonicFeatures {
  buildingSqft: number;
  landSqft: number;
  yearBuilt: number;
  quality: number;
  condition: number;
  bathrooms: number;
  neighborhood: string;
}

const DAYS_PER_MONTH = 365.25 / 12;
const MS_PER_DAY = 86_400_000;

/** Months from the model's reference date to `isoDate` (YYYY-MM-DD), negative before it. */
export function monthsFromReference(isoDate: string, referenceDate: string = TRUE_MODEL.referenceDate): number {
  const days = (Date.parse(`${isoDate}T00:00:00Z`) - Date.parse(`${referenceDate}T00:00:00Z`)) / MS_PER_DAY;
  return days / DAYS_PER_MONTH;
}

/** Age at the reference date, as the model uses it. */
export function modelAge(yearBuilt: number): number {
  return TRUE_MODEL.referenceTaxYear - yearBuilt;
}

/** ln of the median price at `months` from the reference date (the model without its noise term). */
export function modelLogPrice(f: HedonicFeatures, months = 0): number {
  const c = TRUE_MODEL.coefficients;
  const age = modelAge(f.yearBuilt);
  const effect = TRUE_MODEL.neighborhoodEffects[f.neighborhood];
  if (effect === undefined) throw new Error(`Unknown demo neighborhood: ${f.neighborhood}`);
  return (
    TRUE_MODEL.intercept +
    c.ln_building_sqft * Math.log(f.buildingSqft) +
    c.ln_land_sqft * Math.log(f.landSqft) +
    c.age * age +
    c.age_squared * age * age +
    c.quality * f.quality +
    c.condition * f.condition +
    c.bathrooms * f.bathrooms +
    effect +
    TRUE_MODEL.monthlyTrend * months
  );
}
