// Parcel geometry for imports: WKT Polygon/MultiPolygon → GeoJSON, GeoJSON geometry checks, centroids.
import kinks from '@turf/kinks';
import type {
  MultiPolygonGeometry,
  ParcelGeometry,
  PointGeometry,
  PolygonGeometry,
  Position,
  Ring,
} from '../parcel-geometry.js';

export type { MultiPolygonGeometry, ParcelGeometry, PointGeometry, PolygonGeometry, Position, Ring };

/** A geometry the caller sent that we cannot store; the message is shown to the caller. */
export class GeometryError extends Error {}

/**
 * Parses WGS84 WKT `POLYGON ((lon lat, …), (hole …))` or `MULTIPOLYGON (((…)), ((…)))`, with an
 * optional `SRID=4326;` prefix. Z/M coordinates, other types and EMPTY are refused.
 */
export function parseWkt(text: string): PolygonGeometry | MultiPolygonGeometry {
  let src = text.trim();
  const srid = /^SRID=(\d+);/i.exec(src);
  if (srid) {
    if (srid[1] !== '4326') throw new GeometryError(`SRID ${srid[1]} is not supported; send WGS84 (SRID 4326)`);
    src = src.slice(srid[0].length);
  }
  const head = /^([A-Za-z]+)\s*(Z|M|ZM)?\s*/.exec(src);
  if (!head) throw new GeometryError('is not WKT: expected POLYGON or MULTIPOLYGON');
  const type = head[1].toUpperCase();
  if (type !== 'POLYGON' && type !== 'MULTIPOLYGON') {
    throw new GeometryError(`${type} is not supported: expected POLYGON or MULTIPOLYGON`);
  }
  if (head[2]) throw new GeometryError(`${type} ${head[2].toUpperCase()} is not supported: send 2D coordinates`);
  const body = src.slice(head[0].length);
  if (/^EMPTY\s*$/i.test(body)) throw new GeometryError(`${type} EMPTY has no area`);

  // Positions in messages count from the start of the caller's text.
  const offset = text.length - text.trimStart().length + (srid?.[0].length ?? 0) + head[0].length;
  const reader = new WktReader(body, offset);
  const geometry: PolygonGeometry | MultiPolygonGeometry =
    type === 'POLYGON'
      ? { type: 'Polygon', coordinates: reader.polygon() }
      : { type: 'MultiPolygon', coordinates: reader.list(() => reader.polygon()) };
  reader.end();
  checkGeometry(geometry);
  return geometry;
}

class WktReader {
  private pos = 0;
  constructor(
    private readonly s: string,
    private readonly offset: number,
  ) {}

  private at(): number {
    return this.offset + this.pos + 1;
  }

  polygon(): Ring[] {
    return this.list(() => this.ring());
  }

  ring(): Ring {
    return this.list(() => this.position());
  }

  /** `( item, item, … )` */
  list<T>(item: () => T): T[] {
    this.expect('(');
    const out = [item()];
    while (this.peek() === ',') {
      this.pos++;
      out.push(item());
    }
    this.expect(')');
    return out;
  }

  position(): Position {
    const x = this.number();
    const y = this.number();
    this.skipSpace();
    if (/[-+0-9.]/.test(this.s[this.pos] ?? '')) {
      throw new GeometryError('has more than two numbers in a coordinate: send 2D coordinates');
    }
    return [x, y];
  }

  number(): number {
    this.skipSpace();
    const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(this.s.slice(this.pos));
    if (!m) throw new GeometryError(`is not valid WKT: expected a number at character ${this.at()}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }

  end(): void {
    this.skipSpace();
    if (this.pos !== this.s.length) {
      throw new GeometryError(`is not valid WKT: unexpected text at character ${this.at()}`);
    }
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.s[this.pos];
  }

  private expect(c: string): void {
    if (this.peek() !== c) {
      throw new GeometryError(`is not valid WKT: expected '${c}' at character ${this.at()}`);
    }
    this.pos++;
  }

  private skipSpace(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }
}

/**
 * Accepts a GeoJSON geometry object of a Feature: Point, Polygon or MultiPolygon in WGS84.
 * Returns a clean copy (only `type` and `coordinates`).
 */
export function toParcelGeometry(value: unknown): ParcelGeometry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GeometryError('must be a GeoJSON geometry object');
  }
  const { type, coordinates } = value as { type?: unknown; coordinates?: unknown };
  let geometry: ParcelGeometry;
  switch (type) {
    case 'Point':
      geometry = { type, coordinates: toPosition(coordinates) };
      break;
    case 'Polygon':
      geometry = { type, coordinates: toRings(coordinates) };
      break;
    case 'MultiPolygon':
      if (!Array.isArray(coordinates) || coordinates.length === 0) {
        throw new GeometryError('MultiPolygon coordinates must be a non-empty array of polygons');
      }
      geometry = { type, coordinates: coordinates.map(toRings) };
      break;
    default:
      throw new GeometryError(`type ${JSON.stringify(type)} is not supported: expected Point, Polygon or MultiPolygon`);
  }
  checkGeometry(geometry);
  return geometry;
}

function toPosition(value: unknown): Position {
  if (!Array.isArray(value) || value.length < 2 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw new GeometryError('has a position that is not [lon, lat]');
  }
  if (value.length > 2) throw new GeometryError('has more than two numbers in a position: send 2D coordinates');
  return [value[0] as number, value[1] as number];
}

function toRings(value: unknown): Ring[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new GeometryError('Polygon coordinates must be a non-empty array of rings');
  }
  return value.map((ring) => {
    if (!Array.isArray(ring)) throw new GeometryError('has a ring that is not an array of positions');
    return ring.map(toPosition);
  });
}

function checkGeometry(g: ParcelGeometry): void {
  if (g.type === 'Point') {
    checkPosition(g.coordinates);
    return;
  }
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (const rings of polygons) {
    for (const ring of rings) {
      if (ring.length < 4) throw new GeometryError('has a ring with fewer than 4 positions');
      const [first, last] = [ring[0], ring[ring.length - 1]];
      if (first[0] !== last[0] || first[1] !== last[1]) {
        throw new GeometryError('has a ring that is not closed (first and last positions differ)');
      }
      ring.forEach(checkPosition);
    }
    checkSimple(rings);
  }
}

/**
 * Positions of one polygon up to which self-intersection is checked. @turf/kinks compares every pair of
 * segments, so the check is bounded: a parcel outline has tens of positions, a surveyed one hundreds.
 */
export const MAX_CHECKED_POSITIONS = 5000;

/** A ring that crosses itself (a bow-tie) or another ring of its polygon has no well-defined area. */
function checkSimple(rings: Ring[]): void {
  let positions = 0;
  for (const ring of rings) positions += ring.length;
  if (positions > MAX_CHECKED_POSITIONS) return;
  const found = kinks({ type: 'Polygon', coordinates: rings });
  const first = found.features[0]?.geometry.coordinates;
  if (first) {
    throw new GeometryError(
      `is self-intersecting: two of its edges cross at (${first[0]} ${first[1]}); fix the outline so no edges cross`,
    );
  }
}

function checkPosition([lon, lat]: Position): void {
  if (!Number.isFinite(lon) || lon < -180 || lon > 180 || !Number.isFinite(lat) || lat < -90 || lat > 90) {
    throw new GeometryError(`has a position (${lon} ${lat}) outside WGS84 lon -180..180, lat -90..90`);
  }
}

/** Area-weighted centroid of the polygons (holes subtracted); the vertex mean when the area is zero. */
export function centroid(g: ParcelGeometry): Position {
  if (g.type === 'Point') return g.coordinates;
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  let area = 0;
  let cx = 0;
  let cy = 0;
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (const rings of polygons) {
    rings.forEach((ring, index) => {
      // Orientation-independent: the outer ring adds, holes subtract.
      const sign = index === 0 ? 1 : -1;
      let a = 0;
      let rx = 0;
      let ry = 0;
      for (let i = 0; i < ring.length - 1; i++) {
        const [x0, y0] = ring[i];
        const [x1, y1] = ring[i + 1];
        const cross = x0 * y1 - x1 * y0;
        a += cross;
        rx += (x0 + x1) * cross;
        ry += (y0 + y1) * cross;
        sx += x0;
        sy += y0;
        n++;
      }
      const s = sign * Math.sign(a);
      area += s * a;
      cx += s * rx;
      cy += s * ry;
    });
  }
  if (Math.abs(area) < 1e-18) return [sx / n, sy / n];
  return [cx / (3 * area), cy / (3 * area)];
}
