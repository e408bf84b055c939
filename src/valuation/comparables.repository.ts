// SQL of comparable sales: the subject parcel with its value in a version, the valid sales of the parcels of a
// class in some neighborhoods nearest the subject by a bound of the comparison distance, and where a county's
// neighborhoods lie.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A parcel's characteristics the model prices, and its location point. */
export interface ComparableParcelRow {
  parcel_id: string;
  neighborhood: string;
  property_class: string;
  land_sqft: number | null;
  building_sqft: number | null;
  year_built: number | null;
  quality: number | null;
  condition: number | null;
  bathrooms: number | null;
  lon: number | null;
  lat: number | null;
}

export interface SubjectRow extends ComparableParcelRow {
  land_value: number;
  improvement_value: number;
  total_value: number;
}

/** A parcel examined, with its distance bound and one of its valid sales (all sale fields null when it has none). */
export interface CandidateSaleRow {
  parcel_id: string;
  neighborhood: string;
  land_sqft: number;
  building_sqft: number;
  year_built: number;
  quality: number;
  condition: number;
  bathrooms: number;
  lon: number | null;
  lat: number | null;
  /** The parcel's lower bound of the comparison distance (see CandidateQuery.bound). */
  bound: number;
  sale_id: string | null;
  sale_date: string | null;
  sale_price: number | null;
  /** sale_date − valuation date, in days. */
  days: number | null;
}

export interface NeighborhoodCenterRow {
  neighborhood: string;
  lon: number;
  lat: number;
}

/** What the candidates are drawn from. */
export interface CandidateQuery {
  countyId: string;
  propertyClass: string;
  neighborhoods: readonly string[];
  /** Sales dated from … to, inclusive (YYYY-MM-DD). */
  salesFrom: string;
  salesTo: string;
  valuationDate: string;
  /** The subject: its own sales are not comparables. */
  excludeParcelId: string;
  /** Examine at most this many parcels, those of the smallest bound first. */
  parcels: number;
  /**
   * The distance bound of each parcel (sales-comparison.ts parcelBound): Σ_k |subject term_k − coefficient_k ·
   * x_k| over the characteristics, plus for a parcel outside the subject's neighborhood the penalty and the
   * difference of the location effects.
   */
  bound: {
    valuationYear: number;
    subjectNeighborhood: string;
    /** The subject's terms in CHARACTERISTICS order: location, building, land, age, quality, condition, bathrooms. */
    subjectTerms: readonly number[];
    /** ln_building_sqft, ln_land_sqft, age, age_squared, quality, condition, bathrooms. */
    coefficients: readonly number[];
    otherNeighborhood: number;
    /** Location effects of the neighborhoods (0 for one not listed). */
    effectNames: readonly string[];
    effects: readonly number[];
  };
}

const PARCEL_FIELDS = `p.parcel_id, p.neighborhood, p.property_class, p.land_sqft, p.building_sqft, p.year_built::int AS year_built,
  p.quality::int AS quality, p.condition::int AS condition, p.bathrooms::float8 AS bathrooms, p.lon, p.lat`;

const SUBJECT = `SELECT ${PARCEL_FIELDS}, v.land_value::float8 AS land_value,
    v.improvement_value::float8 AS improvement_value, v.total_value::float8 AS total_value
  FROM valuation_values v
  JOIN parcels p ON p.county_id = $2 AND p.parcel_id = v.parcel_id
 WHERE v.job_id = $1 AND v.parcel_id = $3`;

// The parcels of the neighborhoods and class that carry every characteristic the model prices (the valuation's
// own eligibility rule), the $8 of them with the smallest distance bound, each with its valid sales in the window
// (or once with null sale fields when it has none). Only those $8 parcels' sales are probed, each through the
// sales' unique (county_id, parcel_id, sale_date) index; the bound is computed over the neighborhoods' parcels,
// read through the (county_id, neighborhood) index.
const CANDIDATES = `WITH k AS (SELECT $11::float8[] AS t, $12::float8[] AS b, $13::float8 AS other),
examined AS MATERIALIZED (
  SELECT p.county_id, p.parcel_id, p.neighborhood, p.land_sqft, p.building_sqft, p.year_built::int AS year_built,
         p.quality::int AS quality, p.condition::int AS condition, p.bathrooms::float8 AS bathrooms, p.lon, p.lat,
         abs(k.t[2] - k.b[1] * ln(p.building_sqft))
       + abs(k.t[3] - k.b[2] * ln(p.land_sqft))
       + abs(k.t[4] - (k.b[3] * g.age + k.b[4] * g.age * g.age))
       + abs(k.t[5] - k.b[5] * p.quality)
       + abs(k.t[6] - k.b[6] * p.condition)
       + abs(k.t[7] - k.b[7] * p.bathrooms)
       + CASE WHEN p.neighborhood = $10::text THEN 0 ELSE k.other + abs(k.t[1] - coalesce(e.effect, 0)) END AS bound
    FROM parcels p
    CROSS JOIN k
    CROSS JOIN LATERAL (SELECT greatest(0, $9::int - p.year_built)::float8 AS age) g
    LEFT JOIN unnest($14::text[], $15::float8[]) AS e(neighborhood, effect) ON e.neighborhood = p.neighborhood
   WHERE p.county_id = $1 AND p.neighborhood = ANY($2::text[]) AND p.property_class = $3 AND p.parcel_id <> $6
     AND p.building_sqft > 0 AND p.land_sqft > 0 AND p.year_built > 0 AND p.quality > 0 AND p.condition > 0
     AND p.bathrooms >= 0
   ORDER BY bound, p.parcel_id
   LIMIT $8::int
)
SELECT x.parcel_id, x.neighborhood, x.land_sqft, x.building_sqft, x.year_built, x.quality, x.condition,
       x.bathrooms, x.lon, x.lat, x.bound, s.id::text AS sale_id, s.sale_date::text AS sale_date,
       s.sale_price::float8 AS sale_price, s.sale_date - $7::date AS days
  FROM examined x
  -- OFFSET 0 keeps the subquery per parcel (an index probe each) instead of a join over the county's sales.
  LEFT JOIN LATERAL (
    SELECT s.id, s.sale_date, s.sale_price FROM sales s
     WHERE s.county_id = x.county_id AND s.parcel_id = x.parcel_id
       AND s.sale_date >= $4::date AND s.sale_date <= $5::date AND s.is_valid
    OFFSET 0
  ) s ON true`;

const CENTERS = `SELECT neighborhood, avg(lon)::float8 AS lon, avg(lat)::float8 AS lat
  FROM parcels
 WHERE county_id = $1 AND lon IS NOT NULL AND lat IS NOT NULL
 GROUP BY neighborhood`;

@Injectable()
export class ComparablesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The parcel with its value in the job's version; null when the version (or the county) does not have it. */
  async findSubject(jobId: string, countyId: string, parcelId: string): Promise<SubjectRow | null> {
    const rows = await this.dataSource.query<SubjectRow[]>(SUBJECT, [jobId, countyId, parcelId]);
    return rows[0] ?? null;
  }

  /** The parcels of the smallest distance bound with their valid sales in the window (see CANDIDATES). */
  async candidateSales(q: CandidateQuery): Promise<CandidateSaleRow[]> {
    if (q.neighborhoods.length === 0) return [];
    const b = q.bound;
    return this.dataSource.query<CandidateSaleRow[]>(CANDIDATES, [
      q.countyId,
      q.neighborhoods,
      q.propertyClass,
      q.salesFrom,
      q.salesTo,
      q.excludeParcelId,
      q.valuationDate,
      q.parcels,
      b.valuationYear,
      b.subjectNeighborhood,
      b.subjectTerms,
      b.coefficients,
      b.otherNeighborhood,
      b.effectNames,
      b.effects,
    ]);
  }

  /** The mean location point of each neighborhood's parcels (one read of the county's parcels). */
  async neighborhoodCenters(countyId: string): Promise<NeighborhoodCenterRow[]> {
    return this.dataSource.query<NeighborhoodCenterRow[]>(CENTERS, [countyId]);
  }
}
