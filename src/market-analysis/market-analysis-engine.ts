// Market analysis: monthly price figures with the fitted market trend (price_trend), and neighborhoods compared
// with each other and with the county, year over year (neighborhood_comparison).
import { Injectable, Module } from '@nestjs/common';
import { ValidSalesRepository, type SalesFilter } from '../counties/valid-sales.repository.js';
import { InsufficientDataError, PermanentJobError } from '../jobs/job-errors.js';
import type { ProgressFn } from '../jobs/job-processor.js';
import { Timed } from '../observability/decorators/index.js';
import { addMonthsToDay, dayNumber, firstDayOfMonth, isoDate, monthLabel, monthOfDay } from '../statistics/calendar.js';
import {
  adjustmentFactors,
  fitMarketTrend,
  MIN_TREND_MONTHS,
  MIN_TREND_SALES,
  monthsWithSales,
  TREND_REQUIREMENT,
} from '../statistics/market-trend.js';
import { saleColumns } from '../statistics/sale-columns.js';
import { compareNeighborhoods } from './trend/neighborhood-comparison.js';
import { monthlyFigures } from './trend/price-trend.js';

export interface MarketAnalysisInput {
  jobId: string;
  countyId: string;
  analysisType: 'price_trend' | 'neighborhood_comparison';
  from?: string;
  to?: string;
  propertyClass?: string;
  neighborhoods?: string[];
}

/** Months of the default price_trend window, ending with the month of the latest sale. */
export const DEFAULT_TREND_MONTHS = 24;
/** Fewest sales a neighborhood comparison is made on (in its current window). */
export const MIN_COMPARISON_SALES = 30;

@Injectable()
export class MarketAnalysisEngine {
  constructor(private readonly repository: ValidSalesRepository) {}

  async run(input: MarketAnalysisInput, progress: ProgressFn): Promise<Record<string, unknown>> {
    const filter: SalesFilter = {
      countyId: input.countyId,
      propertyClass: input.propertyClass,
      neighborhoods: input.neighborhoods,
    };
    switch (input.analysisType) {
      case 'price_trend':
        return this.priceTrend(input, filter, progress);
      case 'neighborhood_comparison':
        return this.neighborhoodComparison(input, filter, progress);
      default:
        throw new PermanentJobError('invalid_input', `unknown analysis_type "${String(input.analysisType)}"`);
    }
  }

  private async priceTrend(
    input: MarketAnalysisInput,
    filter: SalesFilter,
    progress: ProgressFn,
  ): Promise<Record<string, unknown>> {
    const window = await this.window(input, filter, DEFAULT_TREND_MONTHS);
    await progress(0.1);
    const sales = await this.loadSales(filter, window.from, window.to);
    await progress(0.6);
    const months = monthsWithSales(sales.day);
    if (sales.price.length < MIN_TREND_SALES || months < MIN_TREND_MONTHS) {
      throw insufficient(sales.price.length, months, window.from, window.to, filter);
    }
    const trend = this.fitTrendOf(sales, dayNumber(window.to));
    if (!trend) throw insufficient(sales.price.length, months, window.from, window.to, filter);
    const fromMonth = monthOfDay(dayNumber(window.from));
    const toMonth = monthOfDay(dayNumber(window.to));
    await progress(0.9);
    return {
      analysis_type: 'price_trend',
      county_id: input.countyId,
      window: { from: window.from, to: window.to },
      filters: filtersOf(input),
      sale_count: sales.price.length,
      months: monthlyFigures(sales, fromMonth, toMonth),
      trend,
      reference_month: monthLabel(toMonth),
      adjustment_factors: adjustmentFactors(trend, fromMonth, toMonth),
    };
  }

  private async neighborhoodComparison(
    input: MarketAnalysisInput,
    filter: SalesFilter,
    progress: ProgressFn,
  ): Promise<Record<string, unknown>> {
    const window = await this.window(input, filter, 12);
    const current = { from: dayNumber(window.from), to: dayNumber(window.to) };
    const prior = { from: addMonthsToDay(current.from, -12), to: addMonthsToDay(current.to, -12) };
    await progress(0.1);
    const sales = await this.loadSales(filter, isoDate(prior.from), window.to);
    await progress(0.6);
    const { neighborhoods, county } = this.compare(sales, current, prior);
    if (county.sale_count < MIN_COMPARISON_SALES) {
      throw new InsufficientDataError(
        `only ${county.sale_count} valid sales between ${window.from} and ${window.to}${describeFilter(filter)}; ` +
          `a neighborhood comparison needs at least ${MIN_COMPARISON_SALES}`,
      );
    }
    await progress(0.9);
    return {
      analysis_type: 'neighborhood_comparison',
      county_id: input.countyId,
      window: { from: window.from, to: window.to },
      prior_window: { from: isoDate(prior.from), to: isoDate(prior.to) },
      filters: filtersOf(input),
      ranked_by: 'median_price_per_sqft',
      county,
      neighborhoods,
    };
  }

  @Timed({ module: 'market_analysis', stage: 'load' })
  private async loadSales(filter: SalesFilter, from: string, to: string) {
    return saleColumns(await this.repository.findValidSales(filter, from, to));
  }

  @Timed({ module: 'market_analysis', stage: 'fit' })
  private fitTrendOf(...args: Parameters<typeof fitMarketTrend>) {
    return fitMarketTrend(...args);
  }

  @Timed({ module: 'market_analysis', stage: 'compute' })
  private compare(...args: Parameters<typeof compareNeighborhoods>) {
    return compareNeighborhoods(...args);
  }

  /** The window asked for, or the `months` whole months ending with the month of the latest matching sale. */
  private async window(
    input: MarketAnalysisInput,
    filter: SalesFilter,
    months: number,
  ): Promise<{ from: string; to: string }> {
    let to = input.to;
    if (!to) {
      const latest = await this.repository.latestValidSaleDate(filter);
      if (!latest) throw new InsufficientDataError(`no valid sales${describeFilter(filter)}`);
      to = latest;
    }
    const from = input.from ?? isoDate(firstDayOfMonth(monthOfDay(dayNumber(to)) - (months - 1)));
    return { from, to };
  }
}

function describeFilter(filter: SalesFilter): string {
  const parts = [`county "${filter.countyId}"`];
  if (filter.propertyClass) parts.push(`property class ${filter.propertyClass}`);
  if (filter.neighborhoods?.length) parts.push(`neighborhoods ${filter.neighborhoods.join(', ')}`);
  return ` in ${parts.join(', ')}`;
}

function insufficient(n: number, months: number, from: string, to: string, filter: SalesFilter): InsufficientDataError {
  return new InsufficientDataError(
    `only ${n} valid sales in ${months} month(s) between ${from} and ${to}${describeFilter(filter)}; ${TREND_REQUIREMENT}`,
  );
}

function filtersOf(input: MarketAnalysisInput): Record<string, unknown> {
  return {
    property_class: input.propertyClass ?? null,
    neighborhoods: input.neighborhoods ?? null,
  };
}

/** The market-analysis engine and the sales it reads, for the job processor to import. */
@Module({
  providers: [ValidSalesRepository, MarketAnalysisEngine],
  exports: [MarketAnalysisEngine],
})
export class MarketAnalysisEngineModule {}
