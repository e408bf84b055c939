import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE counties (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
        name text NOT NULL,
        state text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE parcels (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        county_id text NOT NULL REFERENCES counties(id) ON DELETE CASCADE,
        parcel_id text NOT NULL,
        neighborhood text NOT NULL,
        property_class text NOT NULL CHECK (property_class IN ('residential','commercial','industrial','agricultural','vacant')),
        land_sqft double precision CHECK (land_sqft >= 0),
        building_sqft double precision CHECK (building_sqft >= 0),
        year_built smallint,
        quality smallint,
        condition smallint,
        bedrooms smallint,
        bathrooms real,
        situs_address text,
        geometry jsonb,
        lon double precision,
        lat double precision,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_parcels_county_parcel UNIQUE (county_id, parcel_id)
      )`);
    await q.query(`CREATE INDEX ix_parcels_county_neighborhood ON parcels (county_id, neighborhood)`);
    await q.query(`CREATE INDEX ix_parcels_county_class ON parcels (county_id, property_class)`);
    await q.query(`
      CREATE TABLE sales (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        county_id text NOT NULL,
        parcel_id text NOT NULL,
        sale_date date NOT NULL,
        sale_price numeric(14,2) NOT NULL CHECK (sale_price > 0),
        is_valid boolean NOT NULL,
        validity_code text,
        deed_type text,
        CONSTRAINT uq_sales_county_parcel_date UNIQUE (county_id, parcel_id, sale_date),
        CONSTRAINT fk_sales_parcel FOREIGN KEY (county_id, parcel_id)
          REFERENCES parcels (county_id, parcel_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX ix_sales_county_date ON sales (county_id, sale_date)`);
    await q.query(
      `CREATE INDEX ix_sales_county_valid_date ON sales (county_id, sale_date) INCLUDE (parcel_id, sale_price) WHERE is_valid`,
    );
    await q.query(`
      CREATE TABLE assessments (
        county_id text NOT NULL,
        parcel_id text NOT NULL,
        tax_year smallint NOT NULL,
        land_value numeric(14,2) NOT NULL CHECK (land_value >= 0),
        improvement_value numeric(14,2) NOT NULL CHECK (improvement_value >= 0),
        total_value numeric(14,2) NOT NULL CHECK (total_value >= 0),
        source text NOT NULL DEFAULT 'import',
        job_id uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (county_id, parcel_id, tax_year),
        CONSTRAINT fk_assessments_parcel FOREIGN KEY (county_id, parcel_id)
          REFERENCES parcels (county_id, parcel_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX ix_assessments_county_year ON assessments (county_id, tax_year)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE assessments`);
    await q.query(`DROP TABLE sales`);
    await q.query(`DROP TABLE parcels`);
    await q.query(`DROP TABLE counties`);
  }
}
