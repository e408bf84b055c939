import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One valuation job's values for a county and tax year: a version kept beside the certified roll until deleted.
 * At most one version per county and year is adopted; it makes the county's current values of that year.
 */
@Entity({ name: 'valuation_runs' })
@Index('ix_valuation_runs_county_year', ['countyId', 'taxYear'])
@Index('ux_valuation_runs_adopted', ['countyId', 'taxYear'], { unique: true, where: 'adopted_at IS NOT NULL' })
export class ValuationRun {
  @PrimaryColumn({ type: 'uuid', name: 'job_id' })
  jobId: string;

  @Column({ type: 'text', name: 'county_id' })
  countyId: string;

  @Column({ type: 'smallint', name: 'tax_year' })
  taxYear: number;

  @Column({ type: 'text' })
  method: 'cost' | 'regression';

  /** The neighborhoods valued, or null for the whole county. */
  @Column({ type: 'jsonb', nullable: true })
  neighborhoods: string[] | null;

  @Column({ type: 'integer', name: 'parcel_count' })
  parcelCount: number;

  @Column({ type: 'timestamptz', name: 'written_at' })
  writtenAt: Date;

  @Column({ type: 'timestamptz', name: 'adopted_at', nullable: true })
  adoptedAt: Date | null;

  /** Token subject of who adopted it. */
  @Column({ type: 'text', name: 'adopted_by', nullable: true })
  adoptedBy: string | null;
}

/** A parcel's values in one version. */
@Entity({ name: 'valuation_values' })
export class ValuationValue {
  @PrimaryColumn({ type: 'uuid', name: 'job_id' })
  jobId: string;

  @PrimaryColumn({ type: 'text', name: 'parcel_id' })
  parcelId: string;

  @Column({ type: 'numeric', precision: 14, scale: 2, name: 'land_value' })
  landValue: string;

  @Column({ type: 'numeric', precision: 14, scale: 2, name: 'improvement_value' })
  improvementValue: string;

  @Column({ type: 'numeric', precision: 14, scale: 2, name: 'total_value' })
  totalValue: string;
}
