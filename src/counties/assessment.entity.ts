import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Current land/improvement/total value of a parcel for a tax year: the certified roll or a valuation's. */
@Entity({ name: 'assessments' })
@Index('ix_assessments_county_year', ['countyId', 'taxYear'])
export class Assessment {
  @PrimaryColumn({ type: 'text', name: 'county_id' })
  countyId: string;

  @PrimaryColumn({ type: 'text', name: 'parcel_id' })
  parcelId: string;

  @PrimaryColumn({ type: 'smallint', name: 'tax_year' })
  taxYear: number;

  @Column({ type: 'numeric', precision: 14, scale: 2, name: 'land_value' })
  landValue: string;

  @Column({ type: 'numeric', precision: 14, scale: 2, name: 'improvement_value' })
  improvementValue: string;

  @Column({ type: 'numeric', precision: 14, scale: 2, name: 'total_value' })
  totalValue: string;

  /** `import` for a certified roll, `valuation` for values a valuation job produced. */
  @Column({ type: 'text', default: 'import' })
  source: string;

  @Column({ type: 'uuid', name: 'job_id', nullable: true })
  jobId: string | null;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
