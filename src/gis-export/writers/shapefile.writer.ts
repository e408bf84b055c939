// ESRI Shapefile export: one .zip holding, per layer, .shp + .shx + .dbf + .prj (WGS84 GEOGCS) + .cpg (UTF-8).
//
// Layers: `<name>.*` is a Polygon shapefile (shape type 5) with the Polygon and MultiPolygon parcels (a
// MultiPolygon is one record with one part per ring) and, as null shapes, parcels without geometry. Parcels
// stored as a Point (imported without a polygon) go to a Point shapefile `<name>_points.*` (shape type 1) in
// the same zip, written only when there are any. Rings are in shapefile order: outer rings clockwise, holes
// counter-clockwise. Attributes: dBase III (.dbf) with the field names and widths of EXPORT_FIELDS; C fields
// are as wide as the longest value of the export (UTF-8 bytes, 1..254; longer values are cut at a
// character boundary), N fields right-aligned with fixed decimals, blank for a missing value.
//
// .shp/.shx/.dbf need the record count, offsets and file lengths in their headers, so they are streamed to
// temporary files (os.tmpdir(), through fixed buffers) and patched at the end, then zipped (yazl, deflate)
// straight into the artifact store and deleted.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { BufferedFile } from './buffered-file.js';
import {
  EXPORT_FIELDS,
  type ByteSink,
  type ExportLayout,
  type ExportRecord,
  type FormatWriter,
} from './export-fields.js';
import { polygonsOf, type ExportGeometry, type Ring } from './geometry.js';

export const SHAPEFILE_CONTENT_TYPE = 'application/zip';

/** WGS84 geographic coordinates (lon/lat degrees), in the ESRI WKT flavour GIS tools expect in .prj. */
export const WGS84_PRJ =
  'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],' +
  'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]';

const SHAPE_NULL = 0;
const SHAPE_POINT = 1;
const SHAPE_POLYGON = 5;
const HEADER_BYTES = 100;
/** .shp/.shx offsets are 32-bit counts of 16-bit words; keep well inside what every reader accepts. */
const MAX_FILE_BYTES = 2 ** 31 - 1;
const MAX_TEXT_WIDTH = 254;

/** A shapefile would exceed a format limit (2 GB per file): the caller should narrow the selection. */
export class ShapefileLimitError extends Error {}

export interface DbfField {
  name: string;
  type: 'C' | 'N';
  width: number;
  decimals: number;
  /** Index into ExportRecord.values. */
  index: number;
}

/** The dBase fields of an export: names and numeric widths fixed, character widths from the data. */
export function dbfFields(layout: ExportLayout): DbfField[] {
  return EXPORT_FIELDS.map((f, index) => ({
    name: f.dbfName,
    type: f.dbfType,
    width:
      f.dbfType === 'C' ? Math.min(MAX_TEXT_WIDTH, Math.max(f.dbfWidth, layout.textBytes[f.name] ?? 0)) : f.dbfWidth,
    decimals: f.dbfDecimals,
    index,
  }));
}

interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

function emptyBox(): Box {
  return { xmin: Infinity, ymin: Infinity, xmax: -Infinity, ymax: -Infinity };
}

/** One shapefile (.shp, .shx, .dbf) being written. */
class Layer {
  count = 0;
  readonly box = emptyBox();
  private readonly recordLength: number;

  private constructor(
    readonly baseName: string,
    readonly shapeType: number,
    readonly shp: BufferedFile,
    readonly shx: BufferedFile,
    readonly dbf: BufferedFile,
    private readonly fields: DbfField[],
  ) {
    this.recordLength = 1 + fields.reduce((sum, f) => sum + f.width, 0);
  }

  static async create(dir: string, baseName: string, shapeType: number, fields: DbfField[]): Promise<Layer> {
    const [shp, shx, dbf] = await Promise.all([
      BufferedFile.create(join(dir, baseName + '.shp')),
      BufferedFile.create(join(dir, baseName + '.shx')),
      BufferedFile.create(join(dir, baseName + '.dbf')),
    ]);
    const layer = new Layer(baseName, shapeType, shp, shx, dbf, fields);
    // Headers are written last; reserve their room.
    shp.reserve(HEADER_BYTES);
    shx.reserve(HEADER_BYTES);
    dbf.reserve(32 + 32 * fields.length + 1);
    return layer;
  }

  get files(): BufferedFile[] {
    return [this.shp, this.shx, this.dbf];
  }

  handOffs(): number {
    return this.shp.handOffs + this.shx.handOffs + this.dbf.handOffs;
  }

  add(geometry: ExportGeometry | null, values: (string | null)[]): void {
    this.count++;
    const contentBytes = this.writeShape(geometry);
    this.writeDbfRecord(values);
    if (this.shp.length > MAX_FILE_BYTES || this.dbf.length > MAX_FILE_BYTES) {
      throw new ShapefileLimitError(
        `the shapefile would exceed 2 GB after ${this.count} parcels; narrow the selection or export GeoJSON`,
      );
    }
    const at = this.shx.reserve(8);
    const b = this.shx.buf;
    b.writeInt32BE((this.shp.length - 8 - contentBytes) / 2, at);
    b.writeInt32BE(contentBytes / 2, at + 4);
  }

  /** Writes the record (header + content) to .shp; returns the content length in bytes. */
  private writeShape(g: ExportGeometry | null): number {
    if (g === null) return this.writeNull();
    if (g.type === 'Point') {
      const at = this.shp.reserve(8 + 20);
      const b = this.shp.buf;
      b.writeInt32BE(this.count, at);
      b.writeInt32BE(10, at + 4);
      b.writeInt32LE(SHAPE_POINT, at + 8);
      b.writeDoubleLE(g.coordinates[0], at + 12);
      b.writeDoubleLE(g.coordinates[1], at + 20);
      this.extend(g.coordinates[0], g.coordinates[1], g.coordinates[0], g.coordinates[1]);
      return 20;
    }
    const rings: Ring[] = [];
    for (const polygon of polygonsOf(g)) for (const ring of polygon) if (ring.length > 0) rings.push(ring);
    if (rings.length === 0) return this.writeNull();
    let points = 0;
    for (const ring of rings) points += ring.length;
    const content = 44 + 4 * rings.length + 16 * points;
    const at = this.shp.reserve(8 + content);
    const b = this.shp.buf;
    b.writeInt32BE(this.count, at);
    b.writeInt32BE(content / 2, at + 4);
    b.writeInt32LE(SHAPE_POLYGON, at + 8);
    b.writeInt32LE(rings.length, at + 44);
    b.writeInt32LE(points, at + 48);
    let partAt = at + 52;
    let pointAt = partAt + 4 * rings.length;
    let start = 0;
    let xmin = Infinity;
    let ymin = Infinity;
    let xmax = -Infinity;
    let ymax = -Infinity;
    for (const ring of rings) {
      b.writeInt32LE(start, partAt);
      partAt += 4;
      start += ring.length;
      // Export rings are RFC 7946-oriented (exterior counter-clockwise): reversed, they are shapefile-oriented.
      for (let i = ring.length - 1; i >= 0; i--) {
        const x = ring[i][0];
        const y = ring[i][1];
        if (x < xmin) xmin = x;
        if (x > xmax) xmax = x;
        if (y < ymin) ymin = y;
        if (y > ymax) ymax = y;
        b.writeDoubleLE(x, pointAt);
        b.writeDoubleLE(y, pointAt + 8);
        pointAt += 16;
      }
    }
    b.writeDoubleLE(xmin, at + 12);
    b.writeDoubleLE(ymin, at + 20);
    b.writeDoubleLE(xmax, at + 28);
    b.writeDoubleLE(ymax, at + 36);
    this.extend(xmin, ymin, xmax, ymax);
    return content;
  }

  private writeNull(): number {
    const at = this.shp.reserve(12);
    const b = this.shp.buf;
    b.writeInt32BE(this.count, at);
    b.writeInt32BE(2, at + 4);
    b.writeInt32LE(SHAPE_NULL, at + 8);
    return 4;
  }

  private extend(xmin: number, ymin: number, xmax: number, ymax: number): void {
    const box = this.box;
    if (xmin < box.xmin) box.xmin = xmin;
    if (ymin < box.ymin) box.ymin = ymin;
    if (xmax > box.xmax) box.xmax = xmax;
    if (ymax > box.ymax) box.ymax = ymax;
  }

  private writeDbfRecord(values: (string | null)[]): void {
    const at = this.dbf.reserve(this.recordLength);
    const b = this.dbf.buf;
    b[at] = 0x20; // not deleted
    let pos = at + 1;
    for (const f of this.fields) {
      const value = values[f.index];
      if (value === null) {
        b.fill(0x20, pos, pos + f.width);
      } else if (f.type === 'C') {
        // Buffer.write never writes a partial UTF-8 sequence: long values are cut at a character boundary.
        const n = b.write(value, pos, f.width, 'utf8');
        if (n < f.width) b.fill(0x20, pos + n, pos + f.width);
      } else {
        const text = formatNumber(value, f.decimals);
        if (text === null || text.length > f.width) {
          b.fill(0x20, pos, pos + f.width);
        } else {
          const pad = f.width - text.length;
          if (pad > 0) b.fill(0x20, pos, pos + pad);
          b.write(text, pos + pad, 'latin1');
        }
      }
      pos += f.width;
    }
  }

  /** Writes the headers, closes the files and writes .prj and .cpg beside them. */
  async finish(dir: string, now: Date): Promise<string[]> {
    const eof = this.dbf.reserve(1);
    this.dbf.buf[eof] = 0x1a;
    const box = this.count > 0 && this.box.xmin !== Infinity ? this.box : { xmin: 0, ymin: 0, xmax: 0, ymax: 0 };
    await this.shp.writeAt(0, shapeHeader(this.shapeType, this.shp.length, box));
    await this.shx.writeAt(0, shapeHeader(this.shapeType, this.shx.length, box));
    await this.dbf.writeAt(0, dbfHeader(this.fields, this.count, this.recordLength, now));
    await Promise.all(this.files.map((f) => f.close()));
    const prj = join(dir, this.baseName + '.prj');
    const cpg = join(dir, this.baseName + '.cpg');
    await writeFile(prj, WGS84_PRJ);
    await writeFile(cpg, 'UTF-8');
    return [this.shp.path, this.shx.path, this.dbf.path, prj, cpg];
  }

  async discard(): Promise<void> {
    await Promise.all(this.files.map((f) => f.discard()));
  }
}

/** Fixed decimals for an N field; null when the text is not a finite number. */
export function formatNumber(value: string, decimals: number): string | null {
  const n = Number(value);
  if (!Number.isFinite(n)) return null;
  return decimals === 0 && /^-?\d+$/.test(value) ? value : n.toFixed(decimals);
}

function shapeHeader(shapeType: number, fileBytes: number, box: Box): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeInt32BE(9994, 0);
  b.writeInt32BE(fileBytes / 2, 24);
  b.writeInt32LE(1000, 28);
  b.writeInt32LE(shapeType, 32);
  b.writeDoubleLE(box.xmin, 36);
  b.writeDoubleLE(box.ymin, 44);
  b.writeDoubleLE(box.xmax, 52);
  b.writeDoubleLE(box.ymax, 60);
  return b;
}

function dbfHeader(fields: DbfField[], count: number, recordLength: number, now: Date): Buffer {
  const headerLength = 32 + 32 * fields.length + 1;
  const b = Buffer.alloc(headerLength);
  b[0] = 0x03; // dBase III without memo
  b[1] = now.getUTCFullYear() - 1900;
  b[2] = now.getUTCMonth() + 1;
  b[3] = now.getUTCDate();
  b.writeUInt32LE(count, 4);
  b.writeUInt16LE(headerLength, 8);
  b.writeUInt16LE(recordLength, 10);
  fields.forEach((f, i) => {
    const at = 32 + 32 * i;
    b.write(f.name, at, 10, 'latin1');
    b.write(f.type, at + 11, 1, 'latin1');
    b[at + 16] = f.width;
    b[at + 17] = f.decimals;
  });
  b[headerLength - 1] = 0x0d;
  return b;
}

export interface ShapefileWriterOptions {
  /** Base name of the files inside the zip (no extension). */
  baseName: string;
  layout: ExportLayout;
  /** Deflate level of the zip entries (1 fastest … 9 smallest). */
  compressionLevel?: number;
  now?: Date;
}

export class ShapefileWriter implements FormatWriter {
  readonly contentType = SHAPEFILE_CONTENT_TYPE;
  private dir: string | null = null;
  private polygons: Layer | null = null;
  private points: Layer | null = null;
  private readonly fields: DbfField[];
  private readonly now: Date;
  private opening: Promise<void> | null = null;

  constructor(
    private readonly out: ByteSink,
    readonly filename: string,
    private readonly options: ShapefileWriterOptions,
  ) {
    this.fields = dbfFields(options.layout);
    this.now = options.now ?? new Date();
  }

  /** Creates the temporary directory and the polygon layer (call before the first write). */
  async open(): Promise<void> {
    this.opening ??= (async () => {
      this.dir = await mkdtemp(join(tmpdir(), 'tf-gis-export-'));
      this.polygons = await Layer.create(this.dir, this.options.baseName, SHAPE_POLYGON, this.fields);
    })();
    await this.opening;
  }

  write(record: ExportRecord): Promise<void> | undefined {
    if (!this.polygons) return this.open().then(() => this.write(record));
    if (record.geometry?.type === 'Point') {
      if (!this.points) {
        return Layer.create(this.dir!, this.options.baseName + '_points', SHAPE_POINT, this.fields).then((layer) => {
          this.points = layer;
          return this.write(record);
        });
      }
      return this.addTo(this.points, record);
    }
    return this.addTo(this.polygons, record);
  }

  private addTo(layer: Layer, record: ExportRecord): Promise<void> | undefined {
    const before = layer.handOffs();
    layer.add(record.geometry, record.values);
    if (layer.handOffs() === before) return undefined;
    // A buffer went to disk: wait for it so at most one buffer per file is in flight.
    return Promise.all(layer.files.map((f) => f.flushing)).then(() => undefined);
  }

  async finish(): Promise<void> {
    await this.open();
    const layers = [this.polygons!, this.points].filter((l): l is Layer => l !== null);
    // The polygon layer is left out when every parcel is a point.
    const kept = layers.filter((l) => l.count > 0);
    const files: string[] = [];
    for (const layer of layers) {
      const written = await layer.finish(this.dir!, this.now);
      if (kept.includes(layer) || kept.length === 0) files.push(...written);
    }
    const zip = new yazl.ZipFile();
    const level = this.options.compressionLevel ?? 6;
    for (const path of files) {
      zip.addFile(path, path.slice(this.dir!.length + 1), { mtime: this.now, compressionLevel: level });
    }
    zip.end();
    for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) {
      const wait = this.out.bytes(chunk);
      if (wait) await wait;
    }
    await this.cleanup();
  }

  async abort(): Promise<void> {
    await Promise.all([this.polygons?.discard(), this.points?.discard()]);
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    if (this.dir) {
      const dir = this.dir;
      this.dir = null;
      await rm(dir, { recursive: true, force: true });
    }
  }
}
