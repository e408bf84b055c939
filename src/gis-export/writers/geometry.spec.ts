import { describe, expect, it } from '@jest/globals';
import {
  coord,
  geoJsonFromJsonbText,
  isCanonicalCoordinate,
  normaliseGeometry,
  roundCoordinate,
  signedArea2,
  toGeoJsonText,
  toWkt,
} from './geometry.js';

const square = (cw: boolean) => {
  const ring: [number, number][] = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
    [0, 0],
  ];
  return cw ? [...ring].reverse() : ring;
};

describe('export geometry', () => {
  it('rounds to 7 decimals without -0 and prints plain decimals', () => {
    expect(roundCoordinate(-86.123456789)).toBe(-86.1234568);
    expect(roundCoordinate(39.00000004)).toBe(39);
    expect(Object.is(roundCoordinate(-0.00000001), 0)).toBe(true);
    expect(coord(0.0000001)).toBe('0.0000001');
    expect(coord(-0.0000005)).toBe('-0.0000005');
    expect(coord(-86.5)).toBe('-86.5');
  });

  it('signed area is positive counter-clockwise', () => {
    expect(signedArea2(square(false))).toBe(2);
    expect(signedArea2(square(true))).toBe(-2);
  });

  it('orients exterior rings counter-clockwise and holes clockwise', () => {
    const hole = [
      [0.25, 0.25],
      [0.75, 0.25],
      [0.75, 0.75],
      [0.25, 0.75],
      [0.25, 0.25],
    ];
    const g = normaliseGeometry({ type: 'Polygon', coordinates: [square(true), hole] });
    expect(g?.type).toBe('Polygon');
    const rings = (g as { coordinates: [number, number][][] }).coordinates;
    expect(signedArea2(rings[0])).toBeGreaterThan(0);
    expect(signedArea2(rings[1])).toBeLessThan(0);
    const m = normaliseGeometry({ type: 'MultiPolygon', coordinates: [[square(true)], [square(false)]] });
    for (const p of (m as { coordinates: [number, number][][][] }).coordinates) expect(signedArea2(p[0])).toBe(2);
  });

  it('returns null for what it cannot export', () => {
    expect(normaliseGeometry(null)).toBeNull();
    expect(normaliseGeometry({ type: 'LineString', coordinates: [] })).toBeNull();
    expect(normaliseGeometry({ type: 'Polygon', coordinates: 5 })).toBeNull();
    expect(normaliseGeometry({ type: 'Point', coordinates: [1] })).toBeNull();
  });

  it('renders WKT and GeoJSON text', () => {
    const p = normaliseGeometry({ type: 'Polygon', coordinates: [square(false)] })!;
    expect(toWkt(p)).toBe('POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))');
    expect(toGeoJsonText(p)).toBe('{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}');
    const m = normaliseGeometry({ type: 'MultiPolygon', coordinates: [[square(false)], [square(false)]] })!;
    expect(toWkt(m)).toBe('MULTIPOLYGON (((0 0, 1 0, 1 1, 0 1, 0 0)), ((0 0, 1 0, 1 1, 0 1, 0 0)))');
    expect(toWkt({ type: 'Point', coordinates: [-86.1, 39.2] })).toBe('POINT (-86.1 39.2)');
    expect(toGeoJsonText(null)).toBe('null');
  });
});

/** PostgreSQL's text of a jsonb value (keys by length, a space after ':' and ','). */
const jsonbText = (g: unknown) => JSON.stringify(g).replace(/,/g, ', ').replace(/:/g, ': ');
const general = (text: string) => toGeoJsonText(normaliseGeometry(JSON.parse(text)));

describe('GeoJSON text straight from jsonb text', () => {
  it('knows which coordinate texts need no rounding', () => {
    for (const t of ['0', '-86.5', '39.1234567', '180', '-0.0000001', '7.1']) {
      expect([t, isCanonicalCoordinate(t)]).toEqual([t, true]);
      expect(coord(roundCoordinate(Number(t)))).toBe(t);
    }
    for (const t of ['-0', '39.12345678', '1.50', '1.', '.5', '1e-7', '1000.5', '01.5', 'NaN', '', '-', '1,5']) {
      expect([t, isCanonicalCoordinate(t)]).toEqual([t, false]);
    }
  });

  it('gives what the general path gives: orientation fixed, holes clockwise, multipolygons', () => {
    const hole = [
      [0.2, 0.2],
      [0.4, 0.2],
      [0.4, 0.4],
      [0.2, 0.2],
    ];
    const cases = [
      { type: 'Polygon', coordinates: [square(false)] },
      { type: 'Polygon', coordinates: [square(true)] },
      { type: 'Polygon', coordinates: [square(true), hole] },
      { type: 'Polygon', coordinates: [square(false), [...hole].reverse()] },
      { type: 'MultiPolygon', coordinates: [[square(true)], [square(false), hole]] },
      {
        type: 'Polygon',
        coordinates: [
          [
            [-86.5341234, 39.1650001],
            [-86.5341, 39.1650001],
            [-86.5341, 39.1651],
          ],
        ],
      },
    ];
    for (const g of cases) {
      const text = jsonbText(g);
      const fast = geoJsonFromJsonbText(text);
      expect(fast).not.toBeNull();
      expect(fast).toBe(general(text));
    }
    expect(geoJsonFromJsonbText(jsonbText({ type: 'Polygon', coordinates: [square(true)] }))).toBe(
      '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}',
    );
  });

  it('leaves everything unusual to the general path (null)', () => {
    const others = [
      { type: 'Point', coordinates: [1, 2] },
      {
        type: 'Polygon',
        coordinates: [
          [
            [0.123456789, 0],
            [1, 0],
            [1, 1],
            [0.123456789, 0],
          ],
        ],
      },
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0, 5],
            [1, 0, 5],
            [1, 1, 5],
            [0, 0, 5],
          ],
        ],
      },
      { type: 'Polygon', coordinates: [] },
      { type: 'Polygon', coordinates: [[]] },
      { type: 'Polygon', coordinates: [square(false)], bbox: [0, 0, 1, 1] },
      {
        type: 'LineString',
        coordinates: [
          [0, 0],
          [1, 1],
        ],
      },
    ];
    for (const g of others) expect(geoJsonFromJsonbText(jsonbText(g))).toBeNull();
    expect(geoJsonFromJsonbText('{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]} ')).toBeNull();
    expect(geoJsonFromJsonbText('{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]')).toBeNull();
  });
});
