// Reports on a county's roll: the IAAO ratio study (level, uniformity and vertical equity of the values of a tax
// year against valid sales) and the assessment roll summary. Statistics run in memory on typed arrays after one
// query; see ratio-study/ for the definitions.
import { Injectable, Module } from '@nestjs/common';
import { ValidSalesRepository } from '../counties/valid-sales.repository.js';
import { ValueSetError, ValueSetsRepository, type ValueSet } from '../counties/value-sets.repository.js';
import { InsufficientDataError, PermanentJobError } from '../jobs/job-errors.js';
import type { ProgressFn } from '../jobs/job-processor.js';
import { Timed } from '../observability/decorators/index.js';
import { addMonthsToDay, dayNumber, isoDate } from '../statistics/calendar.js';
import {
  fitMarketTrend,
  monthsWithSales,
  timeAdjustmentFactor,
  TREND_REQUIREMENT,
  type MarketTrend,
} from '../statistics/market-trend.js';
import { saleColumns } from '../statistics/sale-columns.js';
import { assessmentRoll } from './assessment-roll.js';
import { reportToCsv } from './report-csv.js';
import { ReportingRepository, type RatioInputRow, type ValueChangeRow } from './reporting.repository.js';
import {
  DEFAULT_BOOTSTRAP,
  DEFAULT_TRIM_FACTOR,
  ratioStudyStrata,
  type BootstrapSettings,
  type RatioStratum,
  type RatioStudyData,
  type ValueChangeData,
} from './ratio-study/ratio-study.js';
import { ratioChartData, type RatioChartData } from './charts/chart-data.js';
import { CHASING } from '../statistics/sales-chasing.js';
import { stablePriceOrder } from '../statistics/vertical-equity.js';
import { IAAO_STANDARDS } from './ratio-study/standards.js';

export interface ReportInput {
  jobId: string;
  countyId: string;
  taxYear: number;
  reportType: 'ratio_study' | 'assessment_roll';
  salesFrom?: string;
  salesTo?: string;
  groupBy?: ('property_class' | 'neighborhood')[];
  timeAdjust?: boolean;
  /** IQR factor of the outlier trimming rule, default 1.5. */
  trimFactor?: number;
  /** Which values: `certified`, `current` (default) or a valuation job id. */
  values?: string;
  /** ratio_study: value sets to compare against the same sales (replaces `values`). */
  compare?: string[];
  /** ratio_study: resamples and seed of the bootstrap intervals (defaults DEFAULT_BOOTSTRAP). */
  bootstrap?: { resamples?: number; seed?: number };
  /** ratio_study: the values before (of tax year − 1), for the sold-versus-unsold test of sales chasing. */
  priorValues?: string;
}

/** Months of sales the time-adjustment trend is fitted on (ending with the study window). */
export const TIME_ADJUSTMENT_TREND_MONTHS = 24;

@Injectable()
export class ReportingEngine {
  constructor(
    private readonly repository: ReportingRepository,
    private readonly sales: ValidSalesRepository,
    private readonly valueSets: ValueSetsRepository,
  ) {}

  async run(input: ReportInput, progress: ProgressFn): Promise<Record<string, unknown>> {
    switch (input.reportType) {
      case 'ratio_study':
        return this.ratioStudy(input, progress);
      case 'assessment_roll':
        return this.assessmentRoll(input, progress);
      default:
        throw new PermanentJobError('invalid_input', `unknown report_type "${String(input.reportType)}"`);
    }
  }

  /** The result as tidy CSV (see report-csv.ts). */
  toCsv(result: Record<string, unknown>): string {
    return reportToCsv(result);
  }

  private async ratioStudy(input: ReportInput, progress: ProgressFn): Promise<Record<string, unknown>> {
    // trim_factor, group_by and the sales dates are as RunReportDto validated them.
    const trimFactor = input.trimFactor ?? DEFAULT_TRIM_FACTOR;
    const groupBy = input.groupBy ?? [];
    // The valuation date is 1 January of the tax year; by default the study uses the sales of the year before it.
    const valuationDate = `${input.taxYear}-01-01`;
    const from = input.salesFrom ?? `${input.taxYear - 1}-01-01`;
    const to = input.salesTo ?? `${input.taxYear - 1}-12-31`;

    const bootstrap: BootstrapSettings = {
      resamples: input.bootstrap?.resamples ?? DEFAULT_BOOTSTRAP.resamples,
      seed: input.bootstrap?.seed ?? DEFAULT_BOOTSTRAP.seed,
    };

    await progress(0.05);
    const sets = await this.resolveValues(input, input.compare ?? [input.values ?? 'current']);
    const prior = input.priorValues
      ? (await this.resolveValues(input, [input.priorValues], input.taxYear - 1, 'prior_values'))[0]
      : null;
    const rows = await this.loadRatioInputs(input, from, to, sets);
    const changeRows = prior ? await this.loadValueChanges(input, from, to, sets, prior) : null;
    await progress(0.4);

    let timeAdjustment: Record<string, unknown> | null = null;
    let factor: ((day: number) => number) | null = null;
    if (input.timeAdjust) {
      const trendFrom = isoDate(
        Math.min(dayNumber(from), addMonthsToDay(dayNumber(to) + 1, -TIME_ADJUSTMENT_TREND_MONTHS)),
      );
      const trend = await this.fitTrend(input.countyId, trendFrom, to);
      const reference = dayNumber(valuationDate);
      factor = (day) => timeAdjustmentFactor(trend, day, reference);
      timeAdjustment = {
        reference_date: valuationDate,
        trend_window: { from: trendFrom, to },
        model: trend.model,
        n: trend.n,
        monthly_log_rate: trend.monthly_log_rate,
        monthly_rate: trend.monthly_rate,
        ci: trend.ci,
        annual_rate: trend.annual_rate,
      };
      await progress(0.55);
    }

    const { data, withoutValue, zeroValue } = ratioColumns(rows, factor, sets.length);
    if (data[0].estimate.length === 0) {
      throw new InsufficientDataError(
        `no valid sales between ${from} and ${to} with a ${input.taxYear} value ` +
          `${sets.length > 1 ? 'in every compared value set ' : ''}in county "${input.countyId}"` +
          (rows.length > 0 ? ` (${rows.length} valid sales, none with a value of the tax year above 0)` : ''),
      );
    }
    // The compared sets share their sales, so one price order serves them all.
    const priceOrder = stablePriceOrder(data[0].price);
    const versions = data.map((d, j) =>
      this.computeStrata(d, groupBy, {
        trimFactor,
        bootstrap,
        priceOrder,
        changes: changeRows ? valueChangeColumns(changeRows, j) : undefined,
      }),
    );
    const charts = data.map((d) => ratioChartData(d.estimate, d.price, priceOrder));
    const strata = versions[0];
    await progress(0.95);
    return {
      report_type: 'ratio_study',
      county_id: input.countyId,
      tax_year: input.taxYear,
      valuation_date: valuationDate,
      sales_window: { from, to },
      group_by: groupBy,
      trim_factor: trimFactor,
      time_adjustment: timeAdjustment,
      values: sets[0],
      prior_values: prior,
      sales: { used: data[0].estimate.length, without_value: withoutValue, zero_value: zeroValue },
      standards: {
        median: IAAO_STANDARDS.median,
        prd: IAAO_STANDARDS.prd,
        prb: IAAO_STANDARDS.prb,
        cod: IAAO_STANDARDS.cod,
        min_sales: IAAO_STANDARDS.minSales,
        flags_basis: 'trimmed',
        mki: IAAO_STANDARDS.mki,
      },
      bootstrap: { ...bootstrap, confidence: 0.95, interval: 'percentile', sample: 'trimmed' },
      sales_chasing: {
        bounds: CHASING.bounds,
        gap: CHASING.gap,
        alpha: CHASING.alpha,
        min_sales: CHASING.minSales,
        sample: 'trimmed',
      },
      strata,
      charts: charts[0],
      ...(input.compare ? { comparison: comparison(sets, versions, charts) } : {}),
    };
  }

  /** Each selector resolved for the county and year (at run time: `current` is what is adopted now). */
  private async resolveValues(
    input: ReportInput,
    selectors: readonly string[],
    taxYear = input.taxYear,
    field = 'values',
  ): Promise<ValueSet[]> {
    try {
      return await Promise.all(selectors.map((v) => this.valueSets.resolve(input.countyId, taxYear, v)));
    } catch (error) {
      if (error instanceof ValueSetError) throw new PermanentJobError('invalid_input', `${field} ${error.message}`);
      throw error;
    }
  }

  /** The county's market trend over the window, for the time adjustment; InsufficientDataError when none fits. */
  private async fitTrend(countyId: string, from: string, to: string): Promise<MarketTrend> {
    const sales = saleColumns(await this.sales.findValidSales({ countyId }, from, to));
    const trend = fitMarketTrend(sales, dayNumber(to));
    if (trend) return trend;
    throw new InsufficientDataError(
      `only ${sales.price.length} valid sales in ${monthsWithSales(sales.day)} month(s) between ${from} and ${to} ` +
        `in county "${countyId}"; ${TREND_REQUIREMENT}`,
    );
  }

  @Timed({ module: 'reporting', stage: 'load' })
  private loadRatioInputs(input: ReportInput, from: string, to: string, sets: readonly ValueSet[]) {
    return this.repository.findRatioInputs(input.countyId, from, to, sets);
  }

  @Timed({ module: 'reporting', stage: 'load' })
  private loadValueChanges(input: ReportInput, from: string, to: string, sets: readonly ValueSet[], prior: ValueSet) {
    return this.repository.findValueChanges(input.countyId, from, to, sets, prior);
  }

  @Timed({ module: 'reporting', stage: 'compute' })
  private computeStrata(...args: Parameters<typeof ratioStudyStrata>) {
    return ratioStudyStrata(...args);
  }

  @Timed({ module: 'reporting', stage: 'load' })
  private loadRollSums(input: ReportInput, set: ValueSet, prior: ValueSet) {
    return this.repository.rollSums(input.countyId, [
      { taxYear: input.taxYear, set },
      { taxYear: input.taxYear - 1, set: prior },
    ]);
  }

  /**
   * The roll of the year in the value set asked for, beside the prior year's: certified against certified,
   * otherwise against the prior year's current values.
   */
  private async assessmentRoll(input: ReportInput, progress: ProgressFn): Promise<Record<string, unknown>> {
    await progress(0.05);
    const [set] = await this.resolveValues(input, [input.values ?? 'current']);
    const priorSelector = set.requested === 'certified' ? 'certified' : 'current';
    const prior = await this.valueSets.resolve(input.countyId, input.taxYear - 1, priorSelector);
    const rows = await this.loadRollSums(input, set, prior);
    await progress(0.8);
    const result = assessmentRoll(input.countyId, input.taxYear, rows);
    if (!result) {
      throw new InsufficientDataError(
        `county "${input.countyId}" has no assessed values for tax year ${input.taxYear} in the ${describeSet(set)}`,
      );
    }
    return { ...(result as unknown as Record<string, unknown>), values: set, prior_values: prior };
  }
}

/**
 * Coded columns of the sales that have a positive value of the tax year in every one of `sets` value sets (the
 * same sales for each, so compared sets are judged on one sample); prices time-adjusted when asked. One
 * RatioStudyData per set, sharing the price and group columns.
 */
export function ratioColumns(
  rows: readonly RatioInputRow[],
  factor: ((day: number) => number) | null,
  sets = 1,
): { data: RatioStudyData[]; withoutValue: number; zeroValue: number } {
  let withoutValue = 0;
  let zeroValue = 0;
  let n = 0;
  const usable = new Uint8Array(rows.length);
  rows.forEach((r, k) => {
    let missing = false;
    let zero = false;
    for (let j = 0; j < sets; j++) {
      const e = r.estimates[j];
      if (e === null) missing = true;
      else if (!(e > 0)) zero = true;
    }
    if (missing) withoutValue++;
    else if (zero) zeroValue++;
    else {
      usable[k] = 1;
      n++;
    }
  });
  const estimates = Array.from({ length: sets }, () => new Float64Array(n));
  const price = new Float64Array(n);
  const propertyClass = new Int32Array(n);
  const neighborhood = new Int32Array(n);
  const classCodes = new Map<string, number>();
  const nbCodes = new Map<string, number>();
  let i = 0;
  rows.forEach((r, k) => {
    if (usable[k] === 0) return;
    for (let j = 0; j < sets; j++) estimates[j][i] = r.estimates[j]!;
    price[i] = factor ? r.price * factor(r.day) : r.price;
    propertyClass[i] = codeOf(classCodes, r.property_class);
    neighborhood[i] = codeOf(nbCodes, r.neighborhood);
    i++;
  });
  const classLabels = [...classCodes.keys()];
  const neighborhoodLabels = [...nbCodes.keys()];
  return {
    data: estimates.map((estimate) => ({
      estimate,
      price,
      propertyClass,
      classLabels,
      neighborhood,
      neighborhoodLabels,
    })),
    withoutValue,
    zeroValue,
  };
}

/**
 * The value changes ln(current / prior) of set `j` for the sold-versus-unsold test: parcels with a positive value in
 * both, sold (a valid sale in the window) or unsold (no sale in the window at all).
 */
export function valueChangeColumns(rows: readonly ValueChangeRow[], j: number): ValueChangeData {
  const change: number[] = [];
  const sold: number[] = [];
  const propertyClass: string[] = [];
  const neighborhood: string[] = [];
  for (const r of rows) {
    const current = r.estimates[j];
    if (r.status === 2 || current === null || !(current > 0) || !(r.prior > 0)) continue;
    change.push(Math.log(current / r.prior));
    sold.push(r.status);
    propertyClass.push(r.property_class);
    neighborhood.push(r.neighborhood);
  }
  return { change: Float64Array.from(change), sold: Uint8Array.from(sold), propertyClass, neighborhood };
}

/** How a value set reads in a sentence. */
function describeSet(set: ValueSet): string {
  if (set.used === 'certified') return 'certified roll';
  return set.requested === 'current' ? `current values (valuation ${set.job_id})` : `valuation ${set.job_id}`;
}

/** A compared set's label: the word asked for, or the job id. */
const setLabel = (set: ValueSet): string => set.requested;

/** Side-by-side strata of every compared set, and each set's differences from the first (trimmed statistics). */
export function comparison(
  sets: readonly ValueSet[],
  versions: readonly RatioStratum[][],
  charts: readonly RatioChartData[],
): Record<string, unknown> {
  const [base, ...others] = versions;
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return {
    values: sets,
    versions: sets.map((set, i) => ({ values: setLabel(set), strata: versions[i], charts: charts[i] })),
    differences: others.map((strata, k) => ({
      values: setLabel(sets[k + 1]),
      against: setLabel(sets[0]),
      strata: strata.map((s, j) => ({
        group: s.group,
        median: delta(s.trimmed.median, base[j].trimmed.median),
        cod: delta(s.trimmed.cod, base[j].trimmed.cod),
        prd: delta(s.trimmed.prd, base[j].trimmed.prd),
        prb: delta(s.trimmed.prb, base[j].trimmed.prb),
        compliant: { from: base[j].flags.compliant, to: s.flags.compliant },
      })),
    })),
  };
}

function codeOf(map: Map<string, number>, label: string): number {
  let c = map.get(label);
  if (c === undefined) {
    c = map.size;
    map.set(label, c);
  }
  return c;
}

/** The reporting engine and its repositories, for the reporting job processor to import. */
@Module({
  providers: [ReportingRepository, ValidSalesRepository, ValueSetsRepository, ReportingEngine],
  exports: [ReportingEngine, ValueSetsRepository],
})
export class ReportingEngineModule {}
