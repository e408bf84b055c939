// Export geometry: parcel geometry as stored (GeoJSON, WGS84 lon/lat) rounded to 7 decimals (~1 cm) and
// with RFC 7946 ring orientation (exterior rings counter-clockwise, holes clockwise), whatever the input had.
import type {
  MultiPolygonGeometry,
  ParcelGeometry,
  PointGeometry,
  PolygonGeometry,
  Position,
  Ring,
} from '../../counties/parcel-geometry.js';

export type { MultiPolygonGeometry, PointGeometry, PolygonGeometry, Position, Ring };
/** Exports read the geometry exactly as imports stored it. */
export type ExportGeometry = ParcelGeometry;

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

// --- GeoJSON text straight from PostgreSQL's jsonb text ---------------------------------------------

/**
 * Whether a number's text is already what the export writes for it: plain decimal, at most 3 integer
 * digits, at most 7 decimals and no trailing zero after the point, not negative zero. For such text,
 * `coord(roundCoordinate(Number(t)))` gives `t` back, so it can be copied as it is.
 */
export function isCanonicalCoordinate(t: string): boolean {
  const n = t.length;
  let i = t.charCodeAt(0) === 45 ? 1 : 0; // '-'
  const intStart = i;
  let nonZero = false;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (c !== 48) nonZero = true;
    i++;
  }
  const intDigits = i - intStart;
  if (intDigits === 0 || intDigits > 3 || (intDigits > 1 && t.charCodeAt(intStart) === 48)) return false;
  if (i < n) {
    if (t.charCodeAt(i) !== 46) return false; // '.'
    const fracStart = ++i;
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c < 48 || c > 57) return false;
      if (c !== 48) nonZero = true;
      i++;
    }
    const fracDigits = i - fracStart;
    if (fracDigits === 0 || fracDigits > COORDINATE_DECIMALS || t.charCodeAt(n - 1) === 48) return false;
  }
  return nonZero || intStart === 0;
}

const POLYGON_PREFIX = '{"type": "Polygon", "coordinates": [';
const MULTIPOLYGON_PREFIX = '{"type": "MultiPolygon", "coordinates": [';

/** Reads rings of one polygon from jsonb text at `at` (just after the polygon's `[`); see geoJsonFromJsonbText. */
class JsonbScanner {
  at = 0;
  constructor(readonly s: string) {}

  /** Expects `text` at the cursor and moves past it. */
  eat(text: string): boolean {
    if (!this.s.startsWith(text, this.at)) return false;
    this.at += text.length;
    return true;
  }

  /** A number token up to `end` (',' or ']'), or null when it is not canonical. */
  number(end: number): string | null {
    const stop = this.s.indexOf(String.fromCharCode(end), this.at);
    if (stop === -1) return null;
    const t = this.s.slice(this.at, stop);
    if (!isCanonicalCoordinate(t)) return null;
    this.at = stop;
    return t;
  }

  /** `[[x, y], [x, y], …]` → GeoJSON ring text in the wanted orientation; null to fall back. */
  ring(counterClockwise: boolean): string | null {
    if (!this.eat('[')) return null;
    const xs: string[] = [];
    const ys: string[] = [];
    let area = 0;
    let px = 0;
    let py = 0;
    for (;;) {
      if (!this.eat('[')) return null;
      const x = this.number(44);
      if (x === null || !this.eat(', ')) return null;
      const y = this.number(93);
      if (y === null || !this.eat(']')) return null;
      const nx = Number(x);
      const ny = Number(y);
      if (xs.length > 0) area += px * ny - nx * py;
      px = nx;
      py = ny;
      xs.push(x);
      ys.push(y);
      if (this.eat(', ')) continue;
      if (this.eat(']')) break;
      return null;
    }
    const reverse = counterClockwise ? area < 0 : area > 0;
    let out = '[';
    const n = xs.length;
    for (let k = 0; k < n; k++) {
      const j = reverse ? n - 1 - k : k;
      out += (k === 0 ? '[' : ',[') + xs[j] + ',' + ys[j] + ']';
    }
    return out + ']';
  }

  /** The rings of one polygon after its `[`, through its `]`. */
  polygon(): string | null {
    let out = '[';
    for (let i = 0; ; i++) {
      const ring = this.ring(i === 0);
      if (ring === null) return null;
      out += i === 0 ? ring : ',' + ring;
      if (this.eat(', ')) continue;
      if (this.eat(']')) return out + ']';
      return null;
    }
  }
}

/**
 * The export's GeoJSON geometry text straight from PostgreSQL's text of a jsonb Polygon or MultiPolygon
 * whose coordinates are canonical already (the common case: imported and demo geometry carry ≤ 7
 * decimals): rings are oriented as toGeoJsonText would (same signed-area rule) and the number texts copied
 * unchanged, without building objects. Returns null for anything else — other types or members, 3D
 * positions, numbers that need rounding, empty arrays — which then takes the general path
 * (JSON.parse → normaliseGeometry → toGeoJsonText), giving the same result.
 */
export function geoJsonFromJsonbText(text: string): string | null {
  const scan = new JsonbScanner(text);
  let out: string | null;
  if (scan.eat(POLYGON_PREFIX)) {
    const polygon = scan.polygon();
    if (polygon === null) return null;
    out = '{"type":"Polygon","coordinates":' + polygon + '}';
  } else if (scan.eat(MULTIPOLYGON_PREFIX)) {
    out = '{"type":"MultiPolygon","coordinates":[';
    for (let i = 0; ; i++) {
      if (!scan.eat('[')) return null;
      const polygon = scan.polygon();
      if (polygon === null) return null;
      out += i === 0 ? polygon : ',' + polygon;
      if (scan.eat(', ')) continue;
      if (scan.eat(']')) break;
      return null;
    }
    out += ']}';
  } else {
    return null;
  }
  return scan.at === text.length - 1 && text.charCodeAt(scan.at) === 125 ? out : null;
}
