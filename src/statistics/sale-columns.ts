// Valid sales with the characteristics the market analyses use, as columns (NaN where a value is unknown).

export interface SaleColumns {
  /** Sale date as a day number (UTC days since 1970-01-01). */
  day: Int32Array;
  price: Float64Array;
  buildingSqft: Float64Array;
  landSqft: Float64Array;
  yearBuilt: Float64Array;
  quality: Float64Array;
  condition: Float64Array;
  bathrooms: Float64Array;
  /** Index into `neighborhoodLabels`. */
  neighborhood: Int32Array;
  neighborhoodLabels: string[];
  /** Index into `classLabels`. */
  propertyClass: Int32Array;
  classLabels: string[];
}

export interface SaleRow {
  day: number;
  price: number;
  building_sqft: number | null;
  land_sqft: number | null;
  year_built: number | null;
  quality: number | null;
  condition: number | null;
  bathrooms: number | null;
  neighborhood: string;
  property_class: string;
}

const num = (v: number | null): number => (v === null || v === undefined ? NaN : Number(v));

/** Columns from query rows, coding the labels in order of appearance. */
export function saleColumns(rows: readonly SaleRow[]): SaleColumns {
  const n = rows.length;
  const cols: SaleColumns = {
    day: new Int32Array(n),
    price: new Float64Array(n),
    buildingSqft: new Float64Array(n),
    landSqft: new Float64Array(n),
    yearBuilt: new Float64Array(n),
    quality: new Float64Array(n),
    condition: new Float64Array(n),
    bathrooms: new Float64Array(n),
    neighborhood: new Int32Array(n),
    neighborhoodLabels: [],
    propertyClass: new Int32Array(n),
    classLabels: [],
  };
  const nb = new Map<string, number>();
  const pc = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    cols.day[i] = r.day;
    cols.price[i] = Number(r.price);
    cols.buildingSqft[i] = num(r.building_sqft);
    cols.landSqft[i] = num(r.land_sqft);
    cols.yearBuilt[i] = num(r.year_built);
    cols.quality[i] = num(r.quality);
    cols.condition[i] = num(r.condition);
    cols.bathrooms[i] = num(r.bathrooms);
    cols.neighborhood[i] = code(nb, cols.neighborhoodLabels, r.neighborhood);
    cols.propertyClass[i] = code(pc, cols.classLabels, r.property_class);
  }
  return cols;
}

function code(map: Map<string, number>, labels: string[], label: string): number {
  let c = map.get(label);
  if (c === undefined) {
    c = labels.length;
    labels.push(label);
    map.set(label, c);
  }
  return c;
}
