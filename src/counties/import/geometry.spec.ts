import { describe, expect, it } from '@jest/globals';
import { centroid, GeometryError, MAX_CHECKED_POSITIONS, parseWkt, toParcelGeometry, type Ring } from './geometry.js';

const square: Ring = [
  [0, 0],
  [2, 0],
  [2, 2],
  [0, 2],
  [0, 0],
];

describe('parseWkt', () => {
  it('parses a polygon with a hole into GeoJSON', () => {
    expect(parseWkt('POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0), (0.5 0.5, 1 0.5, 1 1, 0.5 0.5))')).toEqual({
      type: 'Polygon',
      coordinates: [
        square,
        [
          [0.5, 0.5],
          [1, 0.5],
          [1, 1],
          [0.5, 0.5],
        ],
      ],
    });
  });

  it('parses a multipolygon, any case and spacing, negative and exponent numbers, and SRID=4326', () => {
    expect(
      parseWkt('SRID=4326;multipolygon(((-122.5 47.1,-122.4 47.1,-122.4 4.72e1,-122.5 47.1)),((0 0,1 0,1 1,0 0)))'),
    ).toEqual({
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [-122.5, 47.1],
            [-122.4, 47.1],
            [-122.4, 47.2],
            [-122.5, 47.1],
          ],
        ],
        [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 0],
          ],
        ],
      ],
    });
  });

  it.each([
    ['POINT (1 2)', 'POINT is not supported: expected POLYGON or MULTIPOLYGON'],
    ['POLYGON EMPTY', 'POLYGON EMPTY has no area'],
    ['POLYGON Z ((0 0 1, 1 0 1, 1 1 1, 0 0 1))', 'POLYGON Z is not supported: send 2D coordinates'],
    ['POLYGON ((0 0 1, 1 0 1, 1 1 1, 0 0 1))', 'has more than two numbers in a coordinate: send 2D coordinates'],
    ['POLYGON ((0 0, 1 0, 1 1, 0 1))', 'has a ring that is not closed (first and last positions differ)'],
    ['POLYGON ((0 0, 1 0, 0 0))', 'has a ring with fewer than 4 positions'],
    ['POLYGON ((0 0, 1 0, 1 1, 0 0)', "is not valid WKT: expected ')' at character 30"],
    ['POLYGON ((0 0, 1 0, 1 1, 0 0)) x', 'is not valid WKT: unexpected text at character 32'],
    ['POLYGON ((0 0, a 0, 1 1, 0 0))', 'is not valid WKT: expected a number at character 16'],
    ['POLYGON ((0 0, 200 0, 1 1, 0 0))', 'has a position (200 0) outside WGS84 lon -180..180, lat -90..90'],
    ['SRID=3857;POLYGON ((0 0, 1 0, 1 1, 0 0))', 'SRID 3857 is not supported; send WGS84 (SRID 4326)'],
    ['', 'is not WKT: expected POLYGON or MULTIPOLYGON'],
    [
      'POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))',
      'is self-intersecting: two of its edges cross at (1 1); fix the outline so no edges cross',
    ],
    [
      'MULTIPOLYGON (((10 10, 11 10, 11 11, 10 11, 10 10)), ((0 0, 2 2, 2 0, 0 2, 0 0)))',
      'is self-intersecting: two of its edges cross at (1 1); fix the outline so no edges cross',
    ],
  ])('refuses %j', (wkt, message) => {
    expect(() => parseWkt(wkt)).toThrow(new GeometryError(message));
  });
});

describe('toParcelGeometry', () => {
  it('accepts a polygon with a hole inside it, and does not check outlines past MAX_CHECKED_POSITIONS', () => {
    const hole: Ring = [
      [0.5, 0.5],
      [0.5, 1.5],
      [1.5, 1.5],
      [1.5, 0.5],
      [0.5, 0.5],
    ];
    expect(toParcelGeometry({ type: 'Polygon', coordinates: [square, hole] }).type).toBe('Polygon');
    // A circle of MAX_CHECKED_POSITIONS + 1 positions is accepted without the quadratic check.
    const n = MAX_CHECKED_POSITIONS;
    const circle: Ring = Array.from({ length: n + 1 }, (_, i) => {
      const a = (2 * Math.PI * (i % n)) / n;
      return [Math.cos(a), Math.sin(a)];
    });
    expect(toParcelGeometry({ type: 'Polygon', coordinates: [circle] }).type).toBe('Polygon');
  });

  it('keeps Point, Polygon and MultiPolygon and drops foreign members', () => {
    expect(toParcelGeometry({ type: 'Point', coordinates: [1, 2], bbox: [0, 0, 1, 1] })).toEqual({
      type: 'Point',
      coordinates: [1, 2],
    });
    expect(toParcelGeometry({ type: 'Polygon', coordinates: [square] })).toEqual({
      type: 'Polygon',
      coordinates: [square],
    });
    expect(toParcelGeometry({ type: 'MultiPolygon', coordinates: [[square]] }).type).toBe('MultiPolygon');
  });

  it.each([
    [
      { type: 'LineString', coordinates: [] },
      'type "LineString" is not supported: expected Point, Polygon or MultiPolygon',
    ],
    ['POLYGON', 'must be a GeoJSON geometry object'],
    [{ type: 'Point', coordinates: [1] }, 'has a position that is not [lon, lat]'],
    [{ type: 'Point', coordinates: [1, 2, 3] }, 'has more than two numbers in a position: send 2D coordinates'],
    [{ type: 'Point', coordinates: [1, 95] }, 'has a position (1 95) outside WGS84 lon -180..180, lat -90..90'],
    [{ type: 'Polygon', coordinates: [] }, 'Polygon coordinates must be a non-empty array of rings'],
    [{ type: 'MultiPolygon', coordinates: [] }, 'MultiPolygon coordinates must be a non-empty array of polygons'],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [4, 0],
            [4, 4],
            [0, 4],
            [0, 0],
          ],
          [
            [3, 1],
            [5, 1],
            [5, 2],
            [3, 2],
            [3, 1],
          ],
        ],
      },
      'is self-intersecting: two of its edges cross at (4 2); fix the outline so no edges cross',
    ],
  ])('refuses %j', (geometry, message) => {
    expect(() => toParcelGeometry(geometry)).toThrow(new GeometryError(message));
  });
});

describe('centroid', () => {
  it('is the area-weighted centre, whatever the ring orientation, with holes subtracted', () => {
    expect(centroid({ type: 'Polygon', coordinates: [square] })).toEqual([1, 1]);
    expect(centroid({ type: 'Polygon', coordinates: [[...square].reverse()] })).toEqual([1, 1]);
    // A 2x2 square with the right half of its area cut out as a hole: the centre moves left.
    const hole: Ring = [
      [1, 0],
      [2, 0],
      [2, 2],
      [1, 2],
      [1, 0],
    ];
    const [x, y] = centroid({ type: 'Polygon', coordinates: [square, hole] });
    expect(x).toBeCloseTo(0.5, 12);
    expect(y).toBeCloseTo(1, 12);
    // Two equal squares: the midpoint between them.
    const shifted: Ring = square.map(([a, b]) => [a + 10, b]);
    expect(centroid({ type: 'MultiPolygon', coordinates: [[square], [shifted]] })).toEqual([6, 1]);
  });

  it('falls back to the vertex mean for a degenerate ring, and a Point is itself', () => {
    const flat: Ring = [
      [0, 0],
      [1, 0],
      [2, 0],
      [0, 0],
    ];
    expect(centroid({ type: 'Polygon', coordinates: [flat] })).toEqual([1, 0]);
    expect(centroid({ type: 'Point', coordinates: [3, 4] })).toEqual([3, 4]);
  });
});
