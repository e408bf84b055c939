// Column-wise (typed array) views of parcels and sales that the valuation methods compute on.
import { PROPERTY_CLASSES, type PropertyClass } from '../counties/parcel.entity.js';
import { DAYS_PER_MONTH } from '../statistics/calendar.js';

export { DAYS_PER_MONTH, PROPERTY_CLASSES, type PropertyClass };

/** What is valued: a county's parcels (optionally only some neighborhoods) for a tax year at a date. */
export interface ValuationScope {
  countyId: string;
  taxYear: number;
  /** YYYY-MM-DD */
  valuationDate: string;
  /** Only these neighborhoods (their sales fit the model, their parcels are valued); all when absent. */
  neighborhoods?: readonly string[];
}

/** Characteristics of a set of parcels, one entry per parcel; NaN marks a missing number. */
export interface ParcelColumns {
  size: number;
  /** Index into `neighborhoods`. */
  neighborhood: Uint16Array;
  /** Index into PROPERTY_CLASSES. */
  propertyClass: Uint8Array;
  landSqft: Float64Array;
  buildingSqft: Float64Array;
  yearBuilt: Float64Array;
  quality: Float64Array;
  condition: Float64Array;
  bathrooms: Float64Array;
  /** Names of the neighborhood indexes (shared, may grow while parcels stream). */
  neighborhoods: readonly string[];
}

/** Valid sales in the lookback window with the characteristics of the parcel sold. */
export interface SalesSample extends ParcelColumns {
  price: Float64Array;
  /** Sale date minus valuation date, in days (negative before it). */
  days: Float64Array;
}

/** A batch of parcels to value; `keys` are opaque parcel keys handed back with the values. */
export interface ParcelBatch extends ParcelColumns {
  keys: string[];
}

/** Values of a batch, whole dollars, total = land + improvement. */
export interface ValueBatch {
  land: Float64Array;
  improvement: Float64Array;
}

export interface ParcelValueRow {
  parcel_id: string;
  land_value: number;
  improvement_value: number;
  total_value: number;
}

export const classIndex = (c: PropertyClass): number => PROPERTY_CLASSES.indexOf(c);
export const RESIDENTIAL = classIndex('residential');

/** Allocates columns for `size` parcels. */
export function allocateColumns(size: number, neighborhoods: readonly string[]): ParcelColumns {
  return {
    size,
    neighborhood: new Uint16Array(size),
    propertyClass: new Uint8Array(size),
    landSqft: new Float64Array(size),
    buildingSqft: new Float64Array(size),
    yearBuilt: new Float64Array(size),
    quality: new Float64Array(size),
    condition: new Float64Array(size),
    bathrooms: new Float64Array(size),
    neighborhoods,
  };
}

/** Whether row i carries every characteristic the hedonic model prices (an improved residential parcel). */
export function isModelEligible(c: ParcelColumns, i: number): boolean {
  return (
    c.propertyClass[i] === RESIDENTIAL &&
    c.buildingSqft[i] > 0 &&
    c.landSqft[i] > 0 &&
    c.yearBuilt[i] > 0 &&
    c.quality[i] > 0 &&
    c.condition[i] > 0 &&
    c.bathrooms[i] >= 0
  );
}
