import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

@Entity({ name: 'sales' })
@Unique('uq_sales_county_parcel_date', ['countyId', 'parcelId', 'saleDate'])
@Index('ix_sales_county_date', ['countyId', 'saleDate'])
export class Sale {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text', name: 'county_id' })
  countyId: string;

  @Column({ type: 'text', name: 'parcel_id' })
  parcelId: string;

  @Column({ type: 'date', name: 'sale_date' })
  saleDate: string;

  @Column({ type: 'numeric', precision: 14, scale: 2, name: 'sale_price' })
  salePrice: string;

  @Column({ type: 'boolean', name: 'is_valid' })
  isValid: boolean;

  @Column({ type: 'text', name: 'validity_code', nullable: true })
  validityCode: string | null;

  @Column({ type: 'text', name: 'deed_type', nullable: true })
  deedType: string | null;
}
