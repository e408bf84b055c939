// The parcel columns, in one order shared by the import file, the parcels table loads and the demo data.
import type { PropertyClass } from './parcel.entity.js';

/** A parcel's descriptive attributes after its id (everything but the location). */
export const PARCEL_ATTRIBUTES = [
  'neighborhood',
  'property_class',
  'land_sqft',
  'building_sqft',
  'year_built',
  'quality',
  'condition',
  'bedrooms',
  'bathrooms',
  'situs_address',
] as const;

/** Columns of a parcels import file (CSV header; GeoJSON properties). */
export const PARCEL_COLUMNS = ['parcel_id', ...PARCEL_ATTRIBUTES, 'lon', 'lat'] as const;

/** Columns of the parcels table a load writes for each parcel, after its county and parcel_id. */
export const PARCEL_VALUE_COLUMNS = [...PARCEL_ATTRIBUTES, 'geometry', 'lon', 'lat'] as const;

/** A parcel's id and descriptive attributes, as stored; the location's shape differs by use. */
export interface ParcelAttributes {
  parcel_id: string;
  neighborhood: string;
  property_class: PropertyClass;
  land_sqft: number | null;
  building_sqft: number | null;
  year_built: number | null;
  quality: number | null;
  condition: number | null;
  bedrooms: number | null;
  bathrooms: number | null;
  situs_address: string | null;
}
