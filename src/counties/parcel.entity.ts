import { Column, Entity, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

export const PROPERTY_CLASSES = ['residential', 'commercial', 'industrial', 'agricultural', 'vacant'] as const;
export type PropertyClass = (typeof PROPERTY_CLASSES)[number];

@Entity({ name: 'parcels' })
@Unique('uq_parcels_county_parcel', ['countyId', 'parcelId'])
@Index('ix_parcels_county_neighborhood', ['countyId', 'neighborhood'])
@Index('ix_parcels_county_class', ['countyId', 'propertyClass'])
export class Parcel {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text', name: 'county_id' })
  countyId: string;

  @Column({ type: 'text', name: 'parcel_id' })
  parcelId: string;

  @Column({ type: 'text' })
  neighborhood: string;

  @Column({ type: 'text', name: 'property_class' })
  propertyClass: PropertyClass;

  @Column({ type: 'double precision', name: 'land_sqft', nullable: true })
  landSqft: number | null;

  @Column({ type: 'double precision', name: 'building_sqft', nullable: true })
  buildingSqft: number | null;

  @Column({ type: 'smallint', name: 'year_built', nullable: true })
  yearBuilt: number | null;

  @Column({ type: 'smallint', nullable: true })
  quality: number | null;

  @Column({ type: 'smallint', nullable: true })
  condition: number | null;

  @Column({ type: 'smallint', nullable: true })
  bedrooms: number | null;

  @Column({ type: 'real', nullable: true })
  bathrooms: number | null;

  @Column({ type: 'text', name: 'situs_address', nullable: true })
  situsAddress: string | null;

  /** GeoJSON geometry (WGS84); a Point at lon/lat when the import had no polygon. */
  @Column({ type: 'jsonb', nullable: true })
  geometry: Record<string, unknown> | null;

  @Column({ type: 'double precision', nullable: true })
  lon: number | null;

  @Column({ type: 'double precision', nullable: true })
  lat: number | null;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
