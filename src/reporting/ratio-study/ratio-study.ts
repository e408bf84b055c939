// A whole ratio study over column arrays: the overall stratum and one per value of each grouping, each with
// untrimmed and IQR-trimmed statistics, compliance flags and warnings. Pure; the engine feeds it one query's rows.
import { sortedCopy } from '../../statistics/order-statistics.js';
import { iqrBounds, ratioStatistics, type RatioStatistics } from '../../statistics/ratio-statistics.js';
import { evaluateStratum, stratumWarnings, type StratumFlags } from './standards.js';

export type RatioGroupBy = 'property_class' | 'neighborhood';

/** One sale per index: its estimate (assessed value), price, and coded class and neighborhood. */
export interface RatioStudyData {
  estimate: Float64Array;
  price: Float64Array;
  /** Index into `classLabels` per sale. */
  propertyClass: Uint8Array | Int32Array;
  classLabels: readonly string[];
  /** Index into `neighborhoodLabels` per sale. */
  neighborhood: Int32Array;
  neighborhoodLabels: readonly string[];
}

export interface RatioStratum {
  group: Partial<Record<RatioGroupBy, string>>;
  untrimmed: RatioStatistics;
  trimmed: RatioStatistics;
  /** Sales the IQR rule removed. */
  trimmed_count: number;
  /** The kept ratio range [Q1 − k·IQR, Q3 + k·IQR] (null for an empty stratum). */
  trim_bounds: [number, number] | null;
  flags: StratumFlags;
  warnings: string[];
}

export const DEFAULT_TRIM_FACTOR = 1.5;

/** Strata in a fixed order: overall, then each grouping in the order asked, its values sorted. */
export function ratioStudyStrata(
  data: RatioStudyData,
  groupBy: readonly RatioGroupBy[] = [],
  trimFactor = DEFAULT_TRIM_FACTOR,
): RatioStratum[] {
  const n = data.estimate.length;
  const ratios = new Float64Array(n);
  for (let i = 0; i < n; i++) ratios[i] = data.estimate[i] / data.price[i];

  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const strata = [stratum(data, ratios, all, {}, trimFactor)];

  for (const dimension of [...new Set(groupBy)]) {
    const codes = dimension === 'property_class' ? data.propertyClass : data.neighborhood;
    const labels = dimension === 'property_class' ? data.classLabels : data.neighborhoodLabels;
    const groups = partition(codes, labels.length)
      .map(([code, members]) => ({ label: labels[code], members }))
      .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    for (const g of groups) strata.push(stratum(data, ratios, g.members, { [dimension]: g.label }, trimFactor));
  }
  return strata;
}

/** Indices of the sales of each code that occurs (counting sort: two passes, no per-sale allocation). */
function partition(codes: ArrayLike<number>, size: number): [number, Int32Array][] {
  const counts = new Int32Array(size);
  for (let i = 0; i < codes.length; i++) counts[codes[i]]++;
  const lists = new Map<number, Int32Array>();
  const fill = new Int32Array(size);
  for (let c = 0; c < size; c++) if (counts[c] > 0) lists.set(c, new Int32Array(counts[c]));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    lists.get(c)![fill[c]++] = i;
  }
  return [...lists.entries()];
}

function gather(source: Float64Array, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = source[idx[i]];
  return out;
}

function stratum(
  data: RatioStudyData,
  ratios: Float64Array,
  members: Int32Array,
  group: RatioStratum['group'],
  trimFactor: number,
): RatioStratum {
  const e = gather(data.estimate, members);
  const p = gather(data.price, members);
  const r = gather(ratios, members);
  const sorted = sortedCopy(r);
  const untrimmed = ratioStatistics(e, p, r, sorted);

  let bounds: [number, number] | null = null;
  let trimmed = untrimmed;
  let trimmedCount = 0;
  if (r.length > 0) {
    bounds = iqrBounds(sorted, trimFactor);
    const keep: number[] = [];
    for (let i = 0; i < r.length; i++) if (r[i] >= bounds[0] && r[i] <= bounds[1]) keep.push(i);
    trimmedCount = r.length - keep.length;
    if (trimmedCount > 0) {
      const k = Int32Array.from(keep);
      trimmed = ratioStatistics(gather(e, k), gather(p, k), gather(r, k), keptRange(sorted, bounds));
    }
  }

  const { codClass, mixed } = dominantClass(data, members, group);
  return {
    group,
    untrimmed,
    trimmed,
    trimmed_count: trimmedCount,
    trim_bounds: bounds,
    flags: evaluateStratum(trimmed, codClass),
    warnings: stratumWarnings(untrimmed, trimmed, codClass, mixed),
  };
}

/** The values of an ascending array within [lo, hi]: one run of it (NaN, sorted last, is never kept). */
function keptRange(sorted: Float64Array, [lo, hi]: [number, number]): Float64Array {
  let from = 0;
  while (from < sorted.length && !(sorted[from] >= lo)) from++;
  let to = from;
  while (to < sorted.length && sorted[to] <= hi) to++;
  return sorted.subarray(from, to);
}

/** The class whose COD range judges the stratum: its own class, or the class most of its sales belong to. */
function dominantClass(
  data: RatioStudyData,
  members: Int32Array,
  group: RatioStratum['group'],
): { codClass: string; mixed: boolean } {
  if (group.property_class !== undefined) return { codClass: group.property_class, mixed: false };
  const counts = new Int32Array(data.classLabels.length);
  for (let i = 0; i < members.length; i++) counts[data.propertyClass[members[i]]]++;
  let best = 0;
  let present = 0;
  for (let c = 0; c < counts.length; c++) {
    if (counts[c] > 0) present++;
    if (counts[c] > counts[best]) best = c;
  }
  return { codClass: data.classLabels[best] ?? 'residential', mixed: present > 1 };
}
