import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GIS export files stored gzip-compressed: `content_encoding` says how the chunks are coded ('identity' or
 * 'gzip') and `stored_bytes` how many bytes the chunks hold; `bytes` and `sha256` stay those of the file as
 * downloaded uncompressed. Files stored before this migration are uncompressed.
 */
export class GisExportArtifactEncoding1764760000000 implements MigrationInterface {
  name = 'GisExportArtifactEncoding1764760000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE export_artifacts
        ADD COLUMN content_encoding text NOT NULL DEFAULT 'identity' CHECK (content_encoding IN ('identity','gzip')),
        ADD COLUMN stored_bytes bigint CHECK (stored_bytes >= 0)`);
    await q.query(`UPDATE export_artifacts SET stored_bytes = bytes`);
    await q.query(`ALTER TABLE export_artifacts ALTER COLUMN stored_bytes SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM export_artifacts WHERE content_encoding <> 'identity'`);
    await q.query(`ALTER TABLE export_artifacts DROP COLUMN stored_bytes, DROP COLUMN content_encoding`);
  }
}
