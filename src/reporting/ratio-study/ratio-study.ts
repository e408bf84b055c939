// A whole ratio study over column arrays: the overall stratum and one per value of each grouping, each with
// untrimmed and IQR-trimmed statistics (MKI and KI included), bootstrap intervals of COD, PRD and MKI, the
// sales-chasing tests, compliance flags and warnings. Pure; the engine feeds it one query's rows.
//
// The order of the sales is the order of `data` (the engine's query orders them by sale id). It decides the MKI where
// sales share a price: sorted by price, tied sales keep that order.
import { bootstrapRatioIntervals, type RatioBootstrapIntervals } from '../../statistics/bootstrap.js';
import { sortedCopy } from '../../statistics/order-statistics.js';
import { iqrBounds, ratioStatistics, type RatioStatistics } from '../../statistics/ratio-statistics.js';
import {
  cdfGapTest,
  distributionTest,
  soldUnsoldTest,
  TOO_FEW,
  type CdfGapResult,
  type ChasingVerdict,
  type DistributionResult,
  type SoldUnsoldResult,
} from '../../statistics/sales-chasing.js';
import { streamSeed } from '../../statistics/seeded-random.js';
import { stablePriceOrder } from '../../statistics/vertical-equity.js';
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

/**
 * Every parcel of the county with a value in both the prior and the studied set: its change ln(current / prior),
 * whether it sold in the study window (a valid sale the study uses) or had no sale there at all (unsold; parcels with
 * only invalid sales in the window are neither), and its class and neighborhood.
 */
export interface ValueChangeData {
  change: Float64Array;
  /** 1 sold, 0 unsold. */
  sold: Uint8Array;
  propertyClass: readonly string[];
  neighborhood: readonly string[];
}

export interface BootstrapSettings {
  resamples: number;
  seed: number;
}

export interface RatioStudyOptions {
  trimFactor?: number;
  bootstrap: BootstrapSettings;
  /** With prior values: the sold-versus-unsold comparison per stratum. */
  changes?: ValueChangeData;
  /** stablePriceOrder(data.price), when the caller has it (compared sets share their prices). */
  priceOrder?: Int32Array;
}

export interface StratumBootstrap extends RatioBootstrapIntervals {
  /** The sample resampled: the trimmed one the flags judge. */
  sample: 'trimmed';
}

export interface SalesChasing {
  /** The sample tested: the trimmed one (outliers would distort the normal fit). */
  sample: 'trimmed';
  cdf_gap: CdfGapResult;
  distribution: DistributionResult;
  /** Null without prior values. */
  sold_unsold: SoldUnsoldResult | null;
  /** `possible sales chasing` when any method flags it. */
  verdict: ChasingVerdict;
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
  /** Percentile intervals of the trimmed sample's COD, PRD and MKI. */
  bootstrap: StratumBootstrap;
  sales_chasing: SalesChasing;
  warnings: string[];
}

export const DEFAULT_TRIM_FACTOR = 1.5;
export const DEFAULT_BOOTSTRAP: BootstrapSettings = { resamples: 1000, seed: 20240101 };

/** Strata in a fixed order: overall, then each grouping in the order asked, its values sorted. */
export function ratioStudyStrata(
  data: RatioStudyData,
  groupBy: readonly RatioGroupBy[] = [],
  options: RatioStudyOptions = { bootstrap: DEFAULT_BOOTSTRAP },
): RatioStratum[] {
  const n = data.estimate.length;
  const ratios = new Float64Array(n);
  for (let i = 0; i < n; i++) ratios[i] = data.estimate[i] / data.price[i];
  // One stable price sort for the whole study: each stratum's price order follows from the ranks.
  const byPrice = options.priceOrder ?? stablePriceOrder(data.price);
  const rank = new Int32Array(n);
  for (let k = 0; k < n; k++) rank[byPrice[k]] = k;
  const ctx: StudyContext = {
    data,
    ratios,
    byPrice,
    rank,
    local: new Int32Array(n),
    trimFactor: options.trimFactor ?? DEFAULT_TRIM_FACTOR,
    bootstrap: options.bootstrap,
    changes: options.changes,
  };

  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const strata = [stratum(ctx, all, {})];

  for (const dimension of [...new Set(groupBy)]) {
    const codes = dimension === 'property_class' ? data.propertyClass : data.neighborhood;
    const labels = dimension === 'property_class' ? data.classLabels : data.neighborhoodLabels;
    const groups = partition(codes, labels.length)
      .map(([code, members]) => ({ label: labels[code], members }))
      .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    for (const g of groups) strata.push(stratum(ctx, g.members, { [dimension]: g.label }));
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

interface StudyContext {
  data: RatioStudyData;
  ratios: Float64Array;
  /** All sales by price ascending, ties in input order. */
  byPrice: Int32Array;
  /** Position of each sale in byPrice. */
  rank: Int32Array;
  /** Scratch: a sale's index within the stratum being computed. */
  local: Int32Array;
  trimFactor: number;
  bootstrap: BootstrapSettings;
  changes?: ValueChangeData;
}

/** The stratum's members (ascending sale indices) in stable price order, as indices into the stratum's arrays. */
function localPriceOrder(ctx: StudyContext, members: Int32Array): Int32Array {
  const k = members.length;
  const ranks = new Int32Array(k);
  for (let j = 0; j < k; j++) {
    ranks[j] = ctx.rank[members[j]];
    ctx.local[members[j]] = j;
  }
  ranks.sort();
  const order = new Int32Array(k);
  for (let t = 0; t < k; t++) order[t] = ctx.local[ctx.byPrice[ranks[t]]];
  return order;
}

/** A stratum's key for its bootstrap stream: `overall` or `<grouping>=<value>`. */
function stratumKey(group: RatioStratum['group']): string {
  const [entry] = Object.entries(group);
  return entry ? `${entry[0]}=${entry[1]}` : 'overall';
}

function stratum(ctx: StudyContext, members: Int32Array, group: RatioStratum['group']): RatioStratum {
  const { data } = ctx;
  const e = gather(data.estimate, members);
  const p = gather(data.price, members);
  const r = gather(ctx.ratios, members);
  const sorted = sortedCopy(r);
  const order = localPriceOrder(ctx, members);
  const untrimmed = ratioStatistics(e, p, r, sorted, order);

  let bounds: [number, number] | null = null;
  let trimmed = untrimmed;
  let trimmedCount = 0;
  let te = e;
  let tp = p;
  let tr = r;
  let torder = order;
  if (r.length > 0) {
    bounds = iqrBounds(sorted, ctx.trimFactor);
    const keepAll = new Int32Array(r.length);
    let kept = 0;
    for (let i = 0; i < r.length; i++) if (r[i] >= bounds[0] && r[i] <= bounds[1]) keepAll[kept++] = i;
    trimmedCount = r.length - kept;
    if (trimmedCount > 0) {
      const k = keepAll.subarray(0, kept);
      // The kept sales' price order: the stratum's, without the trimmed ones, renumbered.
      const newIndex = new Int32Array(r.length).fill(-1);
      for (let t = 0; t < k.length; t++) newIndex[k[t]] = t;
      torder = new Int32Array(k.length);
      let w = 0;
      for (let t = 0; t < order.length; t++) if (newIndex[order[t]] >= 0) torder[w++] = newIndex[order[t]];
      te = gather(e, k);
      tp = gather(p, k);
      tr = gather(r, k);
      trimmed = ratioStatistics(te, tp, tr, keptRange(sorted, bounds), torder);
    }
  }

  const key = stratumKey(group);
  const intervals = bootstrapRatioIntervals(
    te,
    tp,
    torder,
    { resamples: ctx.bootstrap.resamples, seed: streamSeed(ctx.bootstrap.seed, key) },
    [trimmed.cod, trimmed.prd, trimmed.mki],
  );
  const cdf = cdfGapTest(trimmedCount > 0 ? keptRange(sorted, bounds!) : sorted);
  const distribution = distributionTest(tr);
  const soldUnsold = ctx.changes ? soldUnsoldTest(...changeSamples(ctx.changes, group)) : null;
  const methods = [cdf, distribution, ...(soldUnsold ? [soldUnsold] : [])];
  // A method's flag counts only where it can judge (its own verdict; under 30 sales it cannot).
  const verdict: ChasingVerdict = methods.some((m) => m.verdict === 'possible sales chasing')
    ? 'possible sales chasing'
    : trimmed.n < 30 || methods.some((m) => m.verdict === TOO_FEW)
      ? TOO_FEW
      : 'no sign of sales chasing';

  const { codClass, mixed } = dominantClass(data, members, group);
  return {
    group,
    untrimmed,
    trimmed,
    trimmed_count: trimmedCount,
    trim_bounds: bounds,
    flags: evaluateStratum(trimmed, codClass),
    bootstrap: { sample: 'trimmed', ...intervals },
    sales_chasing: { sample: 'trimmed', cdf_gap: cdf, distribution, sold_unsold: soldUnsold, verdict },
    warnings: stratumWarnings(untrimmed, trimmed, codClass, mixed),
  };
}

/**
 * The value changes of the stratum's sold and unsold parcels; the unsold ones only of the property classes the sold
 * ones have, so a stratum mixing classes compares like with like (parcels that never sell, such as most commercial
 * property, are valued differently).
 */
function changeSamples(changes: ValueChangeData, group: RatioStratum['group']): [Float64Array, Float64Array] {
  const inStratum = (i: number) =>
    (group.property_class === undefined || changes.propertyClass[i] === group.property_class) &&
    (group.neighborhood === undefined || changes.neighborhood[i] === group.neighborhood);
  const soldClasses = new Set<string>();
  const sold: number[] = [];
  for (let i = 0; i < changes.change.length; i++) {
    if (changes.sold[i] === 1 && inStratum(i)) {
      sold.push(changes.change[i]);
      soldClasses.add(changes.propertyClass[i]);
    }
  }
  const unsold: number[] = [];
  for (let i = 0; i < changes.change.length; i++) {
    if (changes.sold[i] === 0 && inStratum(i) && soldClasses.has(changes.propertyClass[i])) {
      unsold.push(changes.change[i]);
    }
  }
  return [Float64Array.from(sold), Float64Array.from(unsold)];
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
