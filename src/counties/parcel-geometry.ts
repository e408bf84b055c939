// GeoJSON geometry of a parcel as stored (WGS84 lon/lat): what imports produce and exports read.
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
export type ParcelGeometry = PointGeometry | PolygonGeometry | MultiPolygonGeometry;
