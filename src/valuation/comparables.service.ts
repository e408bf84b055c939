// Comparable sales of a parcel in a regression valuation (the sales comparison approach): the most similar valid
// sales of its property class in the valuation's sales window, each adjusted to the parcel with the model's
// coefficients, and their reconciliation beside the version's value. The maths is src/statistics/sales-comparison.ts.
//
// Search: the subject's neighborhood first. Its parcels are examined nearest first by a lower bound of the
// comparison distance computed in SQL (the distance without its time and kilometre terms), and only the examined
// parcels' sales are read; a search stops as soon as no parcel left can hold a more comparable sale, so the answer
// is the same as ranking every sale. When the neighborhood has fewer than 2 × limit sold parcels, the
// NEARBY_NEIGHBORHOODS neighborhoods whose parcels' mean location is nearest the subject are searched too, and when
// even then there are too few, every other neighborhood the valuation has a location effect for; sales in another
// neighborhood carry the distance penalty for it, so the subject's own come first at equal adjustments.
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { ProblemException } from '../common/problem.js';
import { DAYS_PER_MONTH } from '../statistics/calendar.js';
import {
  adjustSale,
  ageAt,
  characteristicTerms,
  DEFAULT_PENALTIES,
  GROSS_SHARE_FLOOR,
  HEDONIC_COEFFICIENT_TERMS,
  kilometres,
  reconcile,
  selectComparables,
  selectionComplete,
  type CandidateSale,
  type ComparisonModel,
  type HedonicCoefficients,
  type PropertyTraits,
} from '../statistics/sales-comparison.js';
import {
  ComparablesRepository,
  type CandidateSaleRow,
  type ComparableParcelRow,
  type SubjectRow,
} from './comparables.repository.js';
import type { ComparablesDto, ComparableSaleDto } from './dto/comparables.dto.js';
import { ValuationVersionsService } from './valuation-versions.service.js';

/** Parcels examined in the first round of a search per comparable asked for (see search()). */
export const FIRST_ROUND_PARCELS_PER_COMPARABLE = 200;
/** Neighborhoods added, nearest first, when the subject's own has too few sales. */
export const NEARBY_NEIGHBORHOODS = 8;
/** How long a county's neighborhood centres are reused, and for how many counties at most. */
export const CENTERS_TTL_MS = 10 * 60_000;
const MAX_CACHED_COUNTIES = 64;
/** The subject's neighborhood is searched alone when it has at least this many sold parcels per comparable. */
export const CANDIDATES_PER_COMPARABLE = 2;

/** What a search found. */
interface Search {
  candidates: CandidateSale[];
  /** Parcels of the class examined (those of the smallest distance bound). */
  parcelsExamined: number;
  neighborhoods: string[];
  widened: boolean;
}

/** What a regression valuation's result tells the comparison. */
export interface ValuationModel {
  model: ComparisonModel;
  valuationDate: string;
  salesFrom: string;
  salesTo: string;
  /** Log location effect by neighborhood (every neighborhood the valuation valued). */
  effects: Map<string, number>;
}

@Injectable()
export class ComparablesService {
  private readonly centers = new Map<string, { expires: number; centers: Map<string, { lon: number; lat: number }> }>();

  constructor(
    private readonly versions: ValuationVersionsService,
    private readonly repository: ComparablesRepository,
  ) {}

  async comparables(jobId: string, parcelId: string, limit: number, user: AuthUser): Promise<ComparablesDto> {
    const { job, version } = await this.versions.findWithJob(jobId, user);
    const valuation = version.method === 'regression' ? regressionModel(job.result) : null;
    if (valuation === null) throw await this.needsRegression(job.id, version.county_id, Number(version.tax_year));

    const subjectRow = await this.repository.findSubject(job.id, version.county_id, parcelId);
    if (subjectRow === null) {
      throw new ProblemException(
        404,
        'parcel-not-in-valuation',
        'Not Found',
        `Parcel "${parcelId}" has no value in valuation job ${job.id} (county "${version.county_id}").`,
        { parcel_id: parcelId },
      );
    }
    const subject = subjectTraits(subjectRow, valuation);

    const { candidates, neighborhoods, widened, parcelsExamined } = await this.candidates(
      version.county_id,
      subjectRow,
      subject,
      valuation,
      limit,
    );
    const ranked = selectComparables(valuation.model, subject, candidates, limit);
    const adjusted = ranked.map((r) => adjustSale(valuation.model, subject, r.sale));
    const { weights, valueCents } = reconcile(adjusted);

    const comparables: ComparableSaleDto[] = ranked.map((r, i) => {
      const a = adjusted[i];
      return {
        rank: i + 1,
        sale_id: r.sale.saleId,
        parcel_id: r.sale.parcelId,
        sale_date: r.sale.saleDate,
        sale_price: a.priceCents / 100,
        neighborhood: r.sale.neighborhood,
        distance_km: r.km === null ? null : round(r.km, 3),
        distance_score: round(r.score, 6),
        months_before_valuation_date: round(-r.sale.months, 2),
        time_adjustment: a.timeAdjustmentCents / 100,
        time_adjusted_price: a.timeAdjustedCents / 100,
        adjustments: a.adjustments.map((x) => ({
          characteristic: x.characteristic,
          subject_value: x.subject,
          comparable_value: x.comparable,
          log_adjustment: round(x.log, 6),
          factor: round(x.factor, 6),
          amount: x.amountCents / 100,
        })),
        adjusted_price: a.adjustedCents / 100,
        net_adjustment: a.netCents / 100,
        gross_adjustment: a.grossCents / 100,
        gross_adjustment_share: round(a.grossShare, 4),
        weight: round(weights[i], 6),
      };
    });

    const total = subjectRow.total_value;
    return {
      job_id: job.id,
      county_id: version.county_id,
      tax_year: Number(version.tax_year),
      valuation_date: valuation.valuationDate,
      subject: {
        parcel_id: subjectRow.parcel_id,
        neighborhood: subject.neighborhood,
        property_class: subjectRow.property_class,
        building_sqft: subject.buildingSqft,
        land_sqft: subject.landSqft,
        year_built: subject.yearBuilt,
        age: ageAt(valuation.model.valuationYear, subject.yearBuilt),
        quality: subject.quality,
        condition: subject.condition,
        bathrooms: subject.bathrooms,
        lon: subject.lon,
        lat: subject.lat,
      },
      model_value: {
        land_value: subjectRow.land_value,
        improvement_value: subjectRow.improvement_value,
        total_value: total,
      },
      indicated_value: valueCents === null ? null : valueCents / 100,
      indicated_to_model_ratio: valueCents === null || !(total > 0) ? null : round(valueCents / 100 / total, 4),
      method: {
        per_km_penalty: DEFAULT_PENALTIES.perKm,
        other_neighborhood_penalty: DEFAULT_PENALTIES.otherNeighborhood,
        gross_share_floor: GROSS_SHARE_FLOOR,
        time_trend_monthly: valuation.model.monthlyTrend,
      },
      search: {
        sales_from: valuation.salesFrom,
        sales_to: valuation.salesTo,
        neighborhoods,
        widened,
        parcels_examined: parcelsExamined,
        candidate_sales: candidates.length,
      },
      comparables,
    };
  }

  /** The candidate sales: the subject's neighborhood, widened to nearby ones when it has too few. */
  private async candidates(
    countyId: string,
    subjectRow: SubjectRow,
    subject: PropertyTraits,
    valuation: ValuationModel,
    limit: number,
  ): Promise<Search> {
    const wanted = CANDIDATES_PER_COMPARABLE * limit;
    const search = (neighborhoods: string[]) =>
      this.search(countyId, subjectRow, subject, valuation, neighborhoods, limit, wanted);
    const own = await search([subject.neighborhood]);
    const result: Search = { ...own, neighborhoods: [subject.neighborhood], widened: false };
    if (!own.exhausted || distinctParcels(own.candidates) >= wanted) return result;

    result.widened = true;
    const others = [...valuation.effects.keys()].filter((n) => n !== subject.neighborhood);
    const nearby = await this.nearest(countyId, subject, others);
    for (const group of [nearby.slice(0, NEARBY_NEIGHBORHOODS), nearby.slice(NEARBY_NEIGHBORHOODS)]) {
      if (group.length === 0 || distinctParcels(result.candidates) >= wanted) continue;
      const more = await search(group);
      result.candidates.push(...more.candidates);
      result.parcelsExamined += more.parcelsExamined;
      result.neighborhoods.push(...group);
    }
    return result;
  }

  /**
   * The valid sales of the neighborhoods' parcels that can be among the `limit` most comparable: parcels are
   * examined in increasing order of their distance bound, FIRST_ROUND_PARCELS_PER_COMPARABLE × limit first and four
   * times as many each further round, until every parcel was examined (`exhausted`) or at least `wanted` sold
   * parcels were found and no parcel left can hold a sale nearer than the `limit`-th (selectionComplete).
   */
  private async search(
    countyId: string,
    subjectRow: SubjectRow,
    subject: PropertyTraits,
    valuation: ValuationModel,
    neighborhoods: string[],
    limit: number,
    wanted: number,
  ): Promise<{ candidates: CandidateSale[]; exhausted: boolean; parcelsExamined: number }> {
    const { model } = valuation;
    const effects = [...valuation.effects];
    const bound = {
      valuationYear: model.valuationYear,
      subjectNeighborhood: subject.neighborhood,
      subjectTerms: characteristicTerms(model, subject),
      coefficients: HEDONIC_COEFFICIENT_TERMS.map((term) => model.coefficients[term]),
      otherNeighborhood: DEFAULT_PENALTIES.otherNeighborhood,
      effectNames: effects.map(([name]) => name),
      effects: effects.map(([, effect]) => effect),
    };
    for (let parcels = FIRST_ROUND_PARCELS_PER_COMPARABLE * limit; ; parcels *= 4) {
      const rows = await this.repository.candidateSales({
        countyId,
        propertyClass: subjectRow.property_class,
        neighborhoods,
        salesFrom: valuation.salesFrom,
        salesTo: valuation.salesTo,
        valuationDate: valuation.valuationDate,
        excludeParcelId: subjectRow.parcel_id,
        parcels,
        bound,
      });
      const examined = distinctParcels(rows);
      const candidates = rows.flatMap((r) => (r.sale_id === null ? [] : [candidateOf(r, valuation)]));
      const exhausted = examined < parcels;
      if (exhausted) return { candidates, exhausted, parcelsExamined: examined };
      if (distinctParcels(candidates) >= wanted) {
        // The parcels were taken in bound order: every parcel not examined has a bound ≥ the largest examined.
        const unseen = rows.reduce((m, r) => Math.max(m, r.bound), Number.NEGATIVE_INFINITY);
        if (selectionComplete(selectComparables(model, subject, candidates, limit), limit, unseen)) {
          return { candidates, exhausted, parcelsExamined: examined };
        }
      }
    }
  }

  /** The neighborhoods ordered by the distance of their parcels' mean location from the subject (ties by name). */
  private async nearest(countyId: string, subject: PropertyTraits, neighborhoods: string[]): Promise<string[]> {
    const byName = [...neighborhoods].sort();
    if (subject.lon === null || subject.lat === null) return byName;
    const centers = await this.centersOf(countyId);
    const far = (n: string) => {
      const center = centers.get(n);
      return center === undefined
        ? Number.POSITIVE_INFINITY
        : (kilometres(subject, center) ?? Number.POSITIVE_INFINITY);
    };
    // Stable sort: equal distances (unknown ones included) stay in name order.
    return byName.sort((a, b) => far(a) - far(b) || 0);
  }

  /**
   * The county's neighborhood centres, read once per CENTERS_TTL_MS (a read of all its parcels): they only order
   * the neighborhoods a widened search adds, so a few minutes' staleness after an import changes no answer's
   * correctness, only which nearby neighborhoods come first.
   */
  private async centersOf(countyId: string): Promise<Map<string, { lon: number; lat: number }>> {
    const now = Date.now();
    const cached = this.centers.get(countyId);
    if (cached !== undefined && cached.expires > now) return cached.centers;
    const rows = await this.repository.neighborhoodCenters(countyId);
    const centers = new Map(rows.map((r) => [r.neighborhood, { lon: r.lon, lat: r.lat }]));
    this.centers.delete(countyId);
    this.centers.set(countyId, { expires: now + CENTERS_TTL_MS, centers });
    // Map order is insertion order: the first key is the least recently read county.
    if (this.centers.size > MAX_CACHED_COUNTIES) this.centers.delete(this.centers.keys().next().value!);
    return centers;
  }

  /** 409 for a valuation without regression coefficients, naming the newest regression version to ask instead. */
  private async needsRegression(jobId: string, countyId: string, taxYear: number): Promise<ProblemException> {
    const latest = await this.versions.latestRegression(countyId, taxYear);
    const hint =
      latest === null
        ? `Run a regression valuation of county "${countyId}" for ${taxYear} (method "regression") and ask with its job_id.`
        : `The newest regression valuation of county "${countyId}" for ${taxYear} is job ${latest.job_id}; ask with it.`;
    return new ProblemException(
      409,
      'comparables-need-regression',
      'Conflict',
      `Valuation job ${jobId} has no regression coefficients (it used the cost method); comparable sales are ` +
        `adjusted with a regression's coefficients. ${hint}`,
      { regression_job_id: latest?.job_id ?? null },
    );
  }
}

const round = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

function distinctParcels(rows: readonly ({ parcel_id: string } | { parcelId: string })[]): number {
  return new Set(rows.map((r) => ('parcel_id' in r ? r.parcel_id : r.parcelId))).size;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);

/**
 * The comparison model of a regression valuation's result: the characteristics' coefficients, the monthly
 * trend, the valuation date and sales window, and the location effect of every neighborhood it valued. Null when
 * the result has no regression coefficients.
 */
export function regressionModel(result: unknown): ValuationModel | null {
  if (!isRecord(result) || !isRecord(result.diagnostics) || !isDate(result.valuation_date)) return null;
  const d = result.diagnostics;
  const estimates = new Map<string, number>();
  if (Array.isArray(d.coefficients)) {
    for (const c of d.coefficients) {
      if (isRecord(c) && typeof c.term === 'string' && isNumber(c.estimate)) estimates.set(c.term, c.estimate);
    }
  }
  const coefficients: Partial<HedonicCoefficients> = {};
  for (const term of HEDONIC_COEFFICIENT_TERMS) {
    const estimate = estimates.get(term);
    if (estimate === undefined) return null;
    coefficients[term] = estimate;
  }
  const trend = estimates.get('month_trend') ?? d.time_trend_monthly;
  if (!isNumber(trend) || !isDate(d.sales_from) || !isDate(d.sales_to)) return null;
  const effects = new Map<string, number>();
  if (Array.isArray(result.by_neighborhood)) {
    for (const n of result.by_neighborhood) {
      if (isRecord(n) && typeof n.neighborhood === 'string' && isNumber(n.location_effect)) {
        effects.set(n.neighborhood, n.location_effect);
      }
    }
  }
  return {
    model: {
      coefficients: coefficients as HedonicCoefficients,
      monthlyTrend: trend,
      valuationYear: Number(result.valuation_date.slice(0, 4)),
    },
    valuationDate: result.valuation_date,
    salesFrom: d.sales_from,
    salesTo: d.sales_to,
    effects,
  };
}

/** What the model knows of the subject; 422 when the regression does not price it. */
function subjectTraits(row: SubjectRow, valuation: ValuationModel): PropertyTraits {
  const missing = missingCharacteristics(row);
  if (row.property_class !== 'residential' || missing.length > 0) {
    const why = row.property_class !== 'residential' ? `is ${row.property_class}` : `has no ${missing.join(', ')}`;
    throw new ProblemException(
      422,
      'parcel-not-comparable',
      'Unprocessable Content',
      `Parcel "${row.parcel_id}" ${why}: the regression prices improved residential parcels with building and lot ` +
        'area, year built, quality, condition and bathrooms, and its coefficients adjust only such sales ' +
        '(the valuation gave this parcel land plus depreciated cost).',
      { parcel_id: row.parcel_id },
    );
  }
  return traitsOf(row, valuation);
}

function missingCharacteristics(row: ComparableParcelRow): string[] {
  const missing: string[] = [];
  if (!(Number(row.building_sqft) > 0)) missing.push('building_sqft');
  if (!(Number(row.land_sqft) > 0)) missing.push('land_sqft');
  if (!(Number(row.year_built) > 0)) missing.push('year_built');
  if (!(Number(row.quality) > 0)) missing.push('quality');
  if (!(Number(row.condition) > 0)) missing.push('condition');
  if (row.bathrooms === null || !(Number(row.bathrooms) >= 0)) missing.push('bathrooms');
  return missing;
}

function traitsOf(row: ComparableParcelRow | CandidateSaleRow, valuation: ValuationModel): PropertyTraits {
  return {
    buildingSqft: Number(row.building_sqft),
    landSqft: Number(row.land_sqft),
    yearBuilt: Number(row.year_built),
    quality: Number(row.quality),
    condition: Number(row.condition),
    bathrooms: Number(row.bathrooms),
    neighborhood: row.neighborhood,
    locationEffect: valuation.effects.get(row.neighborhood) ?? 0,
    lon: row.lon,
    lat: row.lat,
  };
}

function candidateOf(row: CandidateSaleRow, valuation: ValuationModel): CandidateSale {
  return {
    ...traitsOf(row, valuation),
    saleId: row.sale_id!,
    parcelId: row.parcel_id,
    saleDate: row.sale_date!,
    price: row.sale_price!,
    months: row.days! / DAYS_PER_MONTH,
  };
}
