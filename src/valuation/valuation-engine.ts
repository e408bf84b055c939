// Mass appraisal of a county for a tax year: calibrates the chosen method on the valid sales of the lookback
// window, values every parcel in scope in batches as they stream from the database, and stores the values as the
// job's own version in one transaction. Methods: hedonic-valuation.ts and cost-approach.ts.
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { ProgressFn } from '../jobs/job-processor.js';
import { Timed } from '../observability/decorators/index.js';
import { addMonthsToDay, dayNumber, isIsoDate, isoDate } from '../statistics/calendar.js';
import { calibrateCostApproach, costValues, type CostCalibration, type LandRates } from './cost-approach.js';
import { fitHedonicModel, hedonicValues, type HedonicModel } from './hedonic-valuation.js';
import { sortedMedian } from '../statistics/order-statistics.js';
import type { RatioSummary } from '../statistics/ratio-statistics.js';
import { valuationConfig } from './valuation.config.js';
import { InsufficientDataError } from '../jobs/job-errors.js';
import { InvalidValuationInputError } from './valuation.errors.js';
import { ValuationRepository } from './valuation.repository.js';
import {
  PROPERTY_CLASSES,
  type ParcelBatch,
  type ParcelValueRow,
  type SalesSample,
  type ValuationScope,
  type ValueBatch,
} from './valuation-data.js';

export { InvalidValuationInputError };

export interface ValuationInput {
  jobId: string;
  countyId: string;
  taxYear: number;
  method: 'cost' | 'regression';
  neighborhoods?: string[];
  /** YYYY-MM-DD; default `${taxYear}-01-01`. */
  valuationDate?: string;
}

export interface CoefficientRow {
  term: string;
  estimate: number;
  std_error: number;
  t_value: number;
}

export interface ValueTotals {
  parcel_count: number;
  total_value: number;
  land_value: number;
  improvement_value: number;
  median_value: number | null;
}

export interface NeighborhoodResult extends ValueTotals {
  neighborhood: string;
  /** Sales the method was calibrated on in this neighborhood. */
  n_sales: number;
  /** In-sample median of value / time-adjusted sale price (null without sales). */
  median_ratio: number | null;
  cod: number | null;
  land_rate_per_sqft: number;
  typical_lot_sqft: number;
  /** Cost method: the neighborhood market factor. */
  market_factor?: number;
  /** Regression method: the log location effect relative to the reference neighborhood. */
  location_effect?: number;
}

export interface PropertyClassResult extends ValueTotals {
  property_class: string;
}

export interface ValuationResult {
  method: 'cost' | 'regression';
  county_id: string;
  tax_year: number;
  valuation_date: string;
  neighborhoods: string[] | null;
  summary: ValueTotals & {
    mean_value: number | null;
    /** Parcels valued by the market model, by depreciated cost plus land, and by land alone. */
    valued_by: { market_model: number; cost: number; land_only: number };
    /** Parcel values stored as this job's version (adopt it to make them the county's current values). */
    stored_values: number;
  };
  diagnostics: {
    n_sales: number;
    sales_from: string;
    sales_to: string;
    lookback_months: number;
    r_squared: number | null;
    adj_r_squared: number | null;
    residual_std_error: number | null;
    cod: number;
    prd: number;
    median_ratio: number;
    mean_ratio: number;
    weighted_mean_ratio: number;
    /** Log market change per month (sales are adjusted to the valuation date with it). */
    time_trend_monthly: number;
    smearing_factor: number | null;
    base_neighborhood: string | null;
    land_share: number | null;
    county_market_factor: number | null;
    coefficients: CoefficientRow[];
  };
  by_neighborhood: NeighborhoodResult[];
  by_property_class: PropertyClassResult[];
}

export interface ParcelValuesPage {
  items: ParcelValueRow[];
  next_cursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_PAGE_SIZE = 1000;

/** Fractions of progress reported at the end of each step. */
const PROGRESS = { sales: 0.1, calibrated: 0.2, valued: 0.9, written: 0.98 } as const;

type Calibration = { method: 'regression'; model: HedonicModel } | { method: 'cost'; calibration: CostCalibration };

@Injectable()
export class ValuationEngine {
  constructor(
    private readonly repository: ValuationRepository,
    @Inject(valuationConfig.KEY) private readonly config: ConfigType<typeof valuationConfig>,
  ) {}

  async run(input: ValuationInput, progress: ProgressFn): Promise<ValuationResult> {
    const scope = checkInput(input);
    const lookbackMonths = this.config.lookbackMonths;
    const salesFrom = monthsBefore(scope.valuationDate, lookbackMonths);
    const { info, sales } = await this.load(scope, salesFrom);
    await progress(PROGRESS.sales);

    const calibration = this.fit(input.method, sales, scope.valuationDate);
    await progress(PROGRESS.calibrated);

    const { totals, outcome } = await this.write(scope, input, info.parcelCount, calibration, progress);
    return buildResult({
      input,
      scope,
      salesFrom,
      lookbackMonths,
      calibration,
      totals,
      stored: outcome.written,
    });
  }

  /** The county's scope (it exists, the neighborhoods are its own, it has parcels) and its valid sales. */
  @Timed({ module: 'valuation', stage: 'load' })
  private async load(scope: ValuationScope, salesFrom: string) {
    const info = await this.repository.findCountyScope(scope.countyId, scope.neighborhoods);
    if (info === null) throw new InvalidValuationInputError(`county "${scope.countyId}" does not exist`);
    if (scope.neighborhoods) {
      const known = new Set(info.neighborhoods);
      const unknown = scope.neighborhoods.filter((n) => !known.has(n));
      if (unknown.length > 0) {
        throw new InvalidValuationInputError(
          `county "${scope.countyId}" has no parcels in neighborhood(s) ${unknown.map((n) => `"${n}"`).join(', ')}`,
        );
      }
    }
    if (info.parcelCount === 0) throw new InsufficientDataError(`county "${scope.countyId}" has no parcels to value`);
    return { info, sales: await this.repository.loadValidSales(scope, salesFrom) };
  }

  /** Calibrates the method on the sales: the cost approach's factors or the hedonic regression. */
  @Timed({ module: 'valuation', stage: 'fit' })
  private fit(method: ValuationInput['method'], sales: SalesSample, valuationDate: string): Calibration {
    const valuationYear = Number(valuationDate.slice(0, 4));
    return method === 'cost'
      ? { method: 'cost', calibration: calibrateCostApproach(sales, valuationYear, dayNumber(valuationDate)) }
      : { method: 'regression', model: fitHedonicModel(sales, valuationYear) };
  }

  /** Values every parcel in batches and stores them as the job's version in one transaction. */
  @Timed({ module: 'valuation', stage: 'write' })
  private async write(
    scope: ValuationScope,
    input: ValuationInput,
    parcelCount: number,
    calibration: Calibration,
    progress: ProgressFn,
  ) {
    const span = PROGRESS.valued - PROGRESS.calibrated;
    const totals = new ValueTotalsCollector();
    const outcome = await this.repository.writeVersion(
      scope,
      input.jobId,
      input.method,
      async (sink) => {
        let done = 0;
        let nextReport = 0.1;
        for await (const batch of this.repository.streamParcels(scope)) {
          const values: ValueBatch = { land: new Float64Array(batch.size), improvement: new Float64Array(batch.size) };
          const basis = new Uint8Array(batch.size);
          if (calibration.method === 'cost') costValues(calibration.calibration, batch, values, basis);
          else hedonicValues(calibration.model, batch, values, basis);
          totals.add(batch, values, basis);
          await sink.write(batch, values);
          done += batch.size;
          const share = Math.min(1, done / parcelCount);
          if (share >= nextReport) {
            nextReport = Math.floor(share * 10) / 10 + 0.1;
            await progress(Math.round((PROGRESS.calibrated + span * share) * 1000) / 1000);
          }
        }
      },
      () => progress(PROGRESS.written),
    );
    return { totals, outcome };
  }

  /** Values of the job's version, by parcel id; `cursor` is the previous page's next_cursor. */
  async listParcelValues(jobId: string, limit: number, cursor?: string): Promise<ParcelValuesPage> {
    if (!UUID.test(jobId)) throw new InvalidValuationInputError('job id must be a UUID');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new InvalidValuationInputError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
    const after = cursor === undefined || cursor === '' ? undefined : decodeCursor(cursor);
    const rows = await this.repository.pageParcelValues(jobId.toLowerCase(), limit + 1, after);
    const items = rows.slice(0, limit);
    const next = rows.length > limit ? encodeCursor(items[items.length - 1].parcel_id) : null;
    return { items, next_cursor: next };
  }
}

function checkInput(input: ValuationInput): ValuationScope {
  const problems: string[] = [];
  if (typeof input.jobId !== 'string' || !UUID.test(input.jobId)) problems.push('jobId must be a UUID');
  if (typeof input.countyId !== 'string' || input.countyId === '') problems.push('countyId is required');
  if (!Number.isInteger(input.taxYear) || input.taxYear < 1800 || input.taxYear > 2200) {
    problems.push('taxYear must be a whole number from 1800 to 2200');
  }
  if (input.method !== 'cost' && input.method !== 'regression') problems.push('method must be cost or regression');
  const valuationDate = input.valuationDate ?? `${input.taxYear}-01-01`;
  if (!isIsoDate(valuationDate)) problems.push(`valuationDate "${valuationDate}" must be a date YYYY-MM-DD`);
  let neighborhoods: string[] | undefined;
  if (input.neighborhoods !== undefined) {
    if (
      !Array.isArray(input.neighborhoods) ||
      input.neighborhoods.length === 0 ||
      input.neighborhoods.some((n) => typeof n !== 'string' || n.trim() === '')
    ) {
      problems.push('neighborhoods must be a non-empty list of neighborhood names');
    } else {
      neighborhoods = [...new Set(input.neighborhoods)].sort();
    }
  }
  if (problems.length > 0) throw new InvalidValuationInputError(problems.join('; '));
  return { countyId: input.countyId, taxYear: input.taxYear, valuationDate, neighborhoods };
}

/** The date `months` calendar months before `iso` (day clamped to the month's length). */
export function monthsBefore(iso: string, months: number): string {
  return isoDate(addMonthsToDay(dayNumber(iso), -months));
}

function encodeCursor(parcelId: string): string {
  return Buffer.from(JSON.stringify({ after: parcelId }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    // NUL: no parcel_id has one and PostgreSQL refuses it as a parameter (a 500), hidden from the input rules in base64.
    if (typeof parsed.after === 'string' && !parsed.after.includes('\u0000')) return parsed.after;
  } catch {
    // fall through
  }
  throw new InvalidValuationInputError('cursor is not one this service issued');
}

/** Sums and value distributions by neighborhood and property class, collected while values stream out. */
class ValueTotalsCollector {
  private count = 0;
  private totals = new Float64Array(1 << 16);
  private neighborhood = new Uint16Array(1 << 16);
  private propertyClass = new Uint8Array(1 << 16);
  private land = 0;
  private improvement = 0;
  readonly basis = { market_model: 0, cost: 0, land_only: 0 };
  names: readonly string[] = [];
  private readonly byNeighborhood: { land: number; improvement: number }[] = [];
  private readonly byClass = PROPERTY_CLASSES.map(() => ({ land: 0, improvement: 0 }));

  add(batch: ParcelBatch, values: ValueBatch, basis: Uint8Array): void {
    this.names = batch.neighborhoods;
    this.reserve(this.count + batch.size);
    for (let i = 0; i < batch.size; i++) {
      const land = values.land[i];
      const improvement = values.improvement[i];
      const nb = batch.neighborhood[i];
      const cls = batch.propertyClass[i];
      const k = this.count + i;
      this.totals[k] = land + improvement;
      this.neighborhood[k] = nb;
      this.propertyClass[k] = cls;
      this.land += land;
      this.improvement += improvement;
      const g = (this.byNeighborhood[nb] ??= { land: 0, improvement: 0 });
      g.land += land;
      g.improvement += improvement;
      this.byClass[cls].land += land;
      this.byClass[cls].improvement += improvement;
      if (basis[i] === 0) this.basis.market_model += 1;
      else if (basis[i] === 1) this.basis.cost += 1;
      else this.basis.land_only += 1;
    }
    this.count += batch.size;
  }

  summary(): ValueTotals & { mean_value: number | null } {
    const all = this.totals.slice(0, this.count).sort();
    return {
      ...totalsOf(this.count, this.land, this.improvement, sortedMedian(all)),
      mean_value: this.count === 0 ? null : round2((this.land + this.improvement) / this.count),
    };
  }

  neighborhoods(): Map<string, ValueTotals> {
    const groups = this.grouped(this.neighborhood, this.names.length);
    const out = new Map<string, ValueTotals>();
    this.names.forEach((name, nb) => {
      const g = groups[nb];
      if (g.count === 0) return;
      const sums = this.byNeighborhood[nb];
      out.set(name, totalsOf(g.count, sums.land, sums.improvement, g.median));
    });
    return out;
  }

  classes(): PropertyClassResult[] {
    const groups = this.grouped(this.propertyClass, PROPERTY_CLASSES.length);
    return PROPERTY_CLASSES.flatMap((cls, c) => {
      const g = groups[c];
      if (g.count === 0) return [];
      const sums = this.byClass[c];
      return [{ property_class: cls, ...totalsOf(g.count, sums.land, sums.improvement, g.median) }];
    });
  }

  /** Count and median of the total values per group (a counting sort into groups, then a sort per group). */
  private grouped(key: Uint16Array | Uint8Array, groups: number): { count: number; median: number }[] {
    const counts = new Int32Array(groups + 1);
    for (let k = 0; k < this.count; k++) counts[key[k] + 1] += 1;
    for (let g = 0; g < groups; g++) counts[g + 1] += counts[g];
    const start = counts.slice(0, groups);
    const fill = counts.slice(0, groups);
    const sorted = new Float64Array(this.count);
    for (let k = 0; k < this.count; k++) sorted[fill[key[k]]++] = this.totals[k];
    return Array.from({ length: groups }, (_, g) => {
      const from = start[g];
      const to = counts[g + 1];
      sorted.subarray(from, to).sort();
      return { count: to - from, median: sortedMedian(sorted, from, to) };
    });
  }

  private reserve(size: number): void {
    if (size <= this.totals.length) return;
    let capacity = this.totals.length;
    while (capacity < size) capacity *= 2;
    const totals = new Float64Array(capacity);
    totals.set(this.totals.subarray(0, this.count));
    const neighborhood = new Uint16Array(capacity);
    neighborhood.set(this.neighborhood.subarray(0, this.count));
    const propertyClass = new Uint8Array(capacity);
    propertyClass.set(this.propertyClass.subarray(0, this.count));
    this.totals = totals;
    this.neighborhood = neighborhood;
    this.propertyClass = propertyClass;
  }
}

function totalsOf(count: number, land: number, improvement: number, medianValue: number): ValueTotals {
  return {
    parcel_count: count,
    total_value: round2(land + improvement),
    land_value: round2(land),
    improvement_value: round2(improvement),
    median_value: Number.isFinite(medianValue) ? round2(medianValue) : null,
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
const finiteOrNull = (v: number, digits: number): number | null => (Number.isFinite(v) ? round(v, digits) : null);

interface ResultParts {
  input: ValuationInput;
  scope: ValuationScope;
  salesFrom: string;
  lookbackMonths: number;
  calibration: Calibration;
  totals: ValueTotalsCollector;
  stored: number;
}

function buildResult(parts: ResultParts): ValuationResult {
  const { scope, calibration, totals } = parts;
  const ratios: RatioSummary =
    calibration.method === 'cost' ? calibration.calibration.ratios : calibration.model.ratios;
  const ratioByNeighborhood =
    calibration.method === 'cost' ? calibration.calibration.byNeighborhood : calibration.model.byNeighborhood;
  const landRates: LandRates =
    calibration.method === 'cost' ? calibration.calibration.landRates : calibration.model.landRates;

  const byNeighborhood: NeighborhoodResult[] = [...totals.neighborhoods()]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([neighborhood, t]) => {
      const r = ratioByNeighborhood.get(neighborhood);
      const rate = landRates.rateOf(neighborhood);
      const row: NeighborhoodResult = {
        neighborhood,
        ...t,
        n_sales: r?.n ?? 0,
        median_ratio: r ? finiteOrNull(r.median, 4) : null,
        cod: r ? finiteOrNull(r.cod, 2) : null,
        land_rate_per_sqft: round(rate.ratePerSqft, 4),
        typical_lot_sqft: round(rate.typicalLot, 0),
      };
      if (calibration.method === 'cost') {
        const c = calibration.calibration;
        row.market_factor = round(c.marketFactors.get(neighborhood) ?? c.countyMarketFactor, 4);
      } else {
        const m = calibration.model;
        row.location_effect = round(m.effects.get(neighborhood) ?? m.defaultEffect, 6);
      }
      return row;
    });

  let regression: Pick<
    ValuationResult['diagnostics'],
    | 'r_squared'
    | 'adj_r_squared'
    | 'residual_std_error'
    | 'smearing_factor'
    | 'base_neighborhood'
    | 'land_share'
    | 'coefficients'
    | 'time_trend_monthly'
    | 'county_market_factor'
  >;
  let nSales: number;
  if (calibration.method === 'regression') {
    const m = calibration.model;
    const trendColumn = m.terms.indexOf('month_trend');
    nSales = m.salesUsed;
    regression = {
      r_squared: round(m.fit.rSquared, 6),
      adj_r_squared: round(m.fit.adjRSquared, 6),
      residual_std_error: round(Math.sqrt(m.fit.sigma2), 6),
      smearing_factor: round(m.smearing, 6),
      base_neighborhood: m.baseNeighborhood,
      land_share: round(m.landShare, 6),
      time_trend_monthly: round(m.fit.beta[trendColumn], 8),
      county_market_factor: null,
      coefficients: m.terms.map((term, j) => ({
        term,
        estimate: round(m.fit.beta[j], 8),
        std_error: round(m.fit.stdErrors[j], 8),
        t_value: round(m.fit.beta[j] / m.fit.stdErrors[j], 3),
      })),
    };
  } else {
    const c = calibration.calibration;
    nSales = c.salesUsed;
    regression = {
      r_squared: null,
      adj_r_squared: null,
      residual_std_error: null,
      smearing_factor: null,
      base_neighborhood: null,
      land_share: null,
      time_trend_monthly: round(c.monthlyTrend, 8),
      county_market_factor: round(c.countyMarketFactor, 6),
      coefficients: [],
    };
  }

  return {
    method: parts.input.method,
    county_id: scope.countyId,
    tax_year: scope.taxYear,
    valuation_date: scope.valuationDate,
    neighborhoods: scope.neighborhoods ? [...scope.neighborhoods] : null,
    summary: { ...totals.summary(), valued_by: { ...totals.basis }, stored_values: parts.stored },
    diagnostics: {
      n_sales: nSales,
      sales_from: parts.salesFrom,
      sales_to: scope.valuationDate,
      lookback_months: parts.lookbackMonths,
      cod: round(ratios.cod, 4),
      prd: round(ratios.prd, 4),
      median_ratio: round(ratios.median, 4),
      mean_ratio: round(ratios.mean, 4),
      weighted_mean_ratio: round(ratios.weightedMean, 4),
      ...regression,
    },
    by_neighborhood: byNeighborhood,
    by_property_class: totals.classes(),
  };
}
