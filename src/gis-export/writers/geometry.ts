// Export geometry: parcel geometry as stored (GeoJSON, WGS84 lon/lat) rounded to 7 decimals (~1 cm) and
// with RFC 7946 ring orientation (exterior rings counter-clockwise, holes clockwise), whatever the input had.
export type Position = [number, number];
export type Ring = Position[];

export interface PointGeometry {
  type: 'Point';
  coordinates: Position;
}
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Ring[];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Ring[][];
}
export type ExportGeometry = PointGeometry | PolygonGeometry | MultiPolygonGeometry;

/** Decimal places of exported coordinates (RFC 7946 §11.2 recommends no more than ~1 cm). */
export const COORDINATE_DECIMALS = 7;
const SCALE = 1e7;

/** Rounds to 7 decimals; the shortest string of the result has at most 7 decimals. */
export function roundCoordinate(value: number): number {
  const r = Math.round(value * SCALE) / SCALE;
  return r === 0 ? 0 : r; // no "-0"
}

/** Coordinate text: plain decimal notation (JS switches to 1e-7 style below 1e-6, which WKT readers refuse). */
export function coord(x: number): string {
  return x > -1e-6 && x < 1e-6 && x !== 0 ? x.toFixed(COORDINATE_DECIMALS) : String(x);
}

/**
 * Twice the signed area of a closed ring in the lon/lat plane: > 0 counter-clockwise, < 0 clockwise.
 */
export function signedArea2(ring: Ring): number {
  let sum = 0;
  for (let i = 0, n = ring.length - 1; i < n; i++) {
    const a = ring[i];
    const b = ring[i + 1];
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum;
}

function roundRing(ring: unknown): Ring {
  if (!Array.isArray(ring)) throw new TypeError('ring is not an array');
  const out: Ring = new Array(ring.length);
  for (let i = 0; i < ring.length; i++) {
    const p = ring[i] as unknown[];
    out[i] = [roundCoordinate(Number(p[0])), roundCoordinate(Number(p[1]))];
  }
  return out;
}

/** Rings of one polygon, rounded; exterior counter-clockwise and holes clockwise (zero-area rings kept). */
function normalisePolygon(rings: unknown): Ring[] {
  if (!Array.isArray(rings)) throw new TypeError('polygon is not an array of rings');
  const out: Ring[] = new Array(rings.length);
  for (let i = 0; i < rings.length; i++) {
    const ring = roundRing(rings[i]);
    const area = signedArea2(ring);
    const wantCounterClockwise = i === 0;
    if ((wantCounterClockwise && area < 0) || (!wantCounterClockwise && area > 0)) ring.reverse();
    out[i] = ring;
  }
  return out;
}

/**
 * The stored geometry (Point, Polygon or MultiPolygon) as exported: rounded and RFC 7946-oriented.
 * Returns null for a missing or unusable geometry (the feature is still exported, without geometry).
 */
export function normaliseGeometry(raw: unknown): ExportGeometry | null {
  if (!raw || typeof raw !== 'object') return null;
  const g = raw as { type?: unknown; coordinates?: unknown };
  try {
    switch (g.type) {
      case 'Point': {
        const c = g.coordinates as unknown[];
        if (!Array.isArray(c) || c.length < 2) return null;
        return { type: 'Point', coordinates: [roundCoordinate(Number(c[0])), roundCoordinate(Number(c[1]))] };
      }
      case 'Polygon':
        return { type: 'Polygon', coordinates: normalisePolygon(g.coordinates) };
      case 'MultiPolygon': {
        const polygons = g.coordinates;
        if (!Array.isArray(polygons)) return null;
        return { type: 'MultiPolygon', coordinates: polygons.map(normalisePolygon) };
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/** The polygons of a Polygon or MultiPolygon (empty for a Point). */
export function polygonsOf(g: ExportGeometry): Ring[][] {
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return [];
}

// --- WKT ---------------------------------------------------------------------------------------------

function wktRing(ring: Ring): string {
  let s = '(';
  for (let i = 0; i < ring.length; i++) {
    if (i > 0) s += ', ';
    s += coord(ring[i][0]) + ' ' + coord(ring[i][1]);
  }
  return s + ')';
}

function wktPolygon(rings: Ring[]): string {
  return '(' + rings.map(wktRing).join(', ') + ')';
}

/** OGC WKT (2D, WGS84 lon/lat axis order): POINT, POLYGON or MULTIPOLYGON. */
export function toWkt(g: ExportGeometry): string {
  switch (g.type) {
    case 'Point':
      return `POINT (${coord(g.coordinates[0])} ${coord(g.coordinates[1])})`;
    case 'Polygon':
      return 'POLYGON ' + wktPolygon(g.coordinates);
    case 'MultiPolygon':
      return 'MULTIPOLYGON (' + g.coordinates.map(wktPolygon).join(', ') + ')';
  }
}

// --- GeoJSON geometry text ---------------------------------------------------------------------------

function jsonRing(ring: Ring): string {
  let s = '[';
  for (let i = 0; i < ring.length; i++) {
    if (i > 0) s += ',';
    s += '[' + coord(ring[i][0]) + ',' + coord(ring[i][1]) + ']';
  }
  return s + ']';
}

function jsonPolygon(rings: Ring[]): string {
  let s = '[';
  for (let i = 0; i < rings.length; i++) {
    if (i > 0) s += ',';
    s += jsonRing(rings[i]);
  }
  return s + ']';
}

/** GeoJSON geometry object text (numbers are already rounded, so their text has ≤ 7 decimals). */
export function toGeoJsonText(g: ExportGeometry | null): string {
  if (g === null) return 'null';
  switch (g.type) {
    case 'Point':
      return '{"type":"Point","coordinates":[' + coord(g.coordinates[0]) + ',' + coord(g.coordinates[1]) + ']}';
    case 'Polygon':
      return '{"type":"Polygon","coordinates":' + jsonPolygon(g.coordinates) + '}';
    case 'MultiPolygon': {
      let s = '{"type":"MultiPolygon","coordinates":[';
      for (let i = 0; i < g.coordinates.length; i++) {
        if (i > 0) s += ',';
        s += jsonPolygon(g.coordinates[i]);
      }
      return s + ']}';
    }
  }
}
