import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Certified land/improvement/total value of a parcel for a tax year: the roll as imported, never rewritten. */
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

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
