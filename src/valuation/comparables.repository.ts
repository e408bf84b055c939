// SQL of comparable sales: the subject parcel with its value in a version, the valid sales of parcels of a
// class in some neighborhoods (through the parcels' (county_id, neighborhood) index, then each parcel's sales
// through the sales' unique (county_id, parcel_id, sale_date) index), and where a county's neighborhoods lie.
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

export interface CandidateSaleRow {
  sale_id: string;
  parcel_id: string;
  sale_date: string;
  sale_price: number;
  /** sale_date − valuation date, in days. */
  days: number;
  neighborhood: string;
  land_sqft: number;
  building_sqft: number;
  year_built: number;
  quality: number;
  condition: number;
  bathrooms: number;
  lon: number | null;
  lat: number | null;
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
}

const PARCEL_FIELDS = `p.parcel_id, p.neighborhood, p.property_class, p.land_sqft, p.building_sqft, p.year_built::int AS year_built,
  p.quality::int AS quality, p.condition::int AS condition, p.bathrooms::float8 AS bathrooms, p.lon, p.lat`;

const SUBJECT = `SELECT ${PARCEL_FIELDS}, v.land_value::float8 AS land_value,
    v.improvement_value::float8 AS improvement_value, v.total_value::float8 AS total_value
  FROM valuation_values v
  JOIN parcels p ON p.county_id = $2 AND p.parcel_id = v.parcel_id
 WHERE v.job_id = $1 AND v.parcel_id = $3`;

// Parcels of the neighborhoods and class that carry every characteristic the model prices (as the valuation's
// own eligibility rule), each with its valid sales in the window. The LATERAL join probes the sales of one
// parcel at a time through their unique index instead of reading the county's sales.
const CANDIDATES = `SELECT s.id::text AS sale_id, p.parcel_id, s.sale_date::text AS sale_date,
    s.sale_price::float8 AS sale_price, s.sale_date - $7::date AS days, p.neighborhood, p.land_sqft,
    p.building_sqft, p.year_built::int AS year_built, p.quality::int AS quality, p.condition::int AS condition,
    p.bathrooms::float8 AS bathrooms, p.lon, p.lat
  FROM parcels p
  CROSS JOIN LATERAL (
    SELECT s.id, s.sale_date, s.sale_price FROM sales s
     WHERE s.county_id = p.county_id AND s.parcel_id = p.parcel_id
       AND s.sale_date >= $4::date AND s.sale_date <= $5::date AND s.is_valid
  ) s
 WHERE p.county_id = $1 AND p.neighborhood = ANY($2::text[]) AND p.property_class = $3 AND p.parcel_id <> $6
   AND p.building_sqft > 0 AND p.land_sqft > 0 AND p.year_built > 0 AND p.quality > 0 AND p.condition > 0
   AND p.bathrooms >= 0`;

const CENTERS = `SELECT neighborhood, avg(lon)::float8 AS lon, avg(lat)::float8 AS lat
  FROM parcels
 WHERE county_id = $1 AND neighborhood = ANY($2::text[]) AND lon IS NOT NULL AND lat IS NOT NULL
 GROUP BY neighborhood`;

@Injectable()
export class ComparablesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The parcel with its value in the job's version; null when the version (or the county) does not have it. */
  async findSubject(jobId: string, countyId: string, parcelId: string): Promise<SubjectRow | null> {
    const rows = await this.dataSource.query<SubjectRow[]>(SUBJECT, [jobId, countyId, parcelId]);
    return rows[0] ?? null;
  }

  /** Valid sales in the window of the neighborhoods' parcels of the class with every priced characteristic. */
  async candidateSales(q: CandidateQuery): Promise<CandidateSaleRow[]> {
    if (q.neighborhoods.length === 0) return [];
    return this.dataSource.query<CandidateSaleRow[]>(CANDIDATES, [
      q.countyId,
      q.neighborhoods,
      q.propertyClass,
      q.salesFrom,
      q.salesTo,
      q.excludeParcelId,
      q.valuationDate,
    ]);
  }

  /** The mean location point of each of the neighborhoods' parcels (neighborhoods without any are left out). */
  async neighborhoodCenters(countyId: string, neighborhoods: readonly string[]): Promise<NeighborhoodCenterRow[]> {
    if (neighborhoods.length === 0) return [];
    return this.dataSource.query<NeighborhoodCenterRow[]>(CENTERS, [countyId, neighborhoods]);
  }
}
