// Synthetic parcel rows and CSV text for the import specs, and a request helper with one set of headers.
import type { HttpResponse, TestApp } from './test-app.js';

export type ParcelRow = Record<string, string | number>;

/** A valid parcel whose every value is a function of `i`; `overrides` replaces or adds fields. */
export function parcel(i: number, overrides: ParcelRow = {}): ParcelRow {
  return {
    parcel_id: `P-${String(i).padStart(5, '0')}`,
    neighborhood: `NB-${i % 3}`,
    property_class: i % 5 === 0 ? 'commercial' : 'residential',
    land_sqft: 5000 + i,
    building_sqft: 1200 + i,
    year_built: 1950 + (i % 70),
    quality: 1 + (i % 5),
    condition: 1 + (i % 4),
    bedrooms: 1 + (i % 4),
    bathrooms: 1 + (i % 3) * 0.5,
    situs_address: `${100 + i} Main St`,
    lon: -122.3 + i / 10000,
    lat: 47.6 + i / 10000,
    ...overrides,
  };
}

/** parcel(i) as the text of its CSV cells, with parcel_id `id`. */
export function parcelFields(id: string, i: number, overrides: Record<string, string> = {}): Record<string, string> {
  const fields = Object.fromEntries(Object.entries(parcel(i)).map(([k, v]) => [k, String(v)]));
  return { ...fields, parcel_id: id, ...overrides };
}

/** One CSV cell, quoted only where a comma, quote or line break needs it; a missing value is empty. */
export function csvCell(value: string | number | undefined): string {
  const s = value === undefined ? '' : String(value);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV file: the header `columns`, then each row's values of those columns. */
export function csv(columns: readonly string[], rows: ParcelRow[]): string {
  return [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** `send(method, path, body?, contentType?)` on the app `app()` returns, always with `headers`. */
export function sender(app: () => TestApp, headers: Record<string, string>) {
  return (method: string, path: string, body?: unknown, contentType?: string): Promise<HttpResponse> =>
    app().request(method, path, {
      headers: { ...headers, ...(contentType ? { 'content-type': contentType } : {}) },
      body,
    });
}
