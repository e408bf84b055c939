import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GIS export files, kept in PostgreSQL so any replica can serve a download: one metadata row per job and
 * the bytes in 1 MiB bytea chunks (stored uncompressed out of line: the formats are written once, read
 * rarely, and pglz on megabytes of text costs more than it saves). Rows past `expires_at` are deleted by
 * the export cleanup.
 */
export class GisExportArtifacts1764750000000 implements MigrationInterface {
  name = 'GisExportArtifacts1764750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE export_artifacts (
        job_id uuid PRIMARY KEY,
        county_id text NOT NULL,
        export_format text NOT NULL CHECK (export_format IN ('geojson','csv','kml','shapefile')),
        content_type text NOT NULL,
        filename text NOT NULL,
        feature_count integer NOT NULL CHECK (feature_count >= 0),
        bytes bigint NOT NULL CHECK (bytes >= 0),
        chunk_count integer NOT NULL CHECK (chunk_count >= 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_export_artifacts_expires ON export_artifacts (expires_at)`);
    await q.query(`
      CREATE TABLE export_artifact_chunks (
        job_id uuid NOT NULL REFERENCES export_artifacts (job_id) ON DELETE CASCADE,
        seq integer NOT NULL CHECK (seq >= 0),
        data bytea NOT NULL,
        PRIMARY KEY (job_id, seq)
      )`);
    await q.query(`ALTER TABLE export_artifact_chunks ALTER COLUMN data SET STORAGE EXTERNAL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE export_artifact_chunks`);
    await q.query(`DROP TABLE export_artifacts`);
  }
}
