import { describe, expect, it } from '@jest/globals';
import { coord, normaliseGeometry, roundCoordinate, signedArea2, toGeoJsonText, toWkt } from './geometry.js';

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
