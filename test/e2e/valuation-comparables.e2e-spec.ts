// Comparable sales of a parcel, through the HTTP API on a real PostgreSQL: a regression valuation of a synthetic
// county whose true price model is known, then comparables of 50 valued parcels — adjustments that add up to the
// cent, the subject's property class, its own neighborhood when that has enough sales, a reconciled value between
// the adjusted prices and, over the 50 parcels, close to the model's values — and the refusals: permission,
// county scope, bad input, an unknown parcel, a parcel the regression does not price, a cost valuation, deleted
// values.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { loadDemoCounty } from '../../src/demo/demo-data.service.js';
import { selectComparables, type CandidateSale } from '../../src/statistics/sales-comparison.js';
import { regressionModel } from '../../src/valuation/comparables.service.js';
import { waitForJob } from '../support/jobs.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { authHeader } from '../support/tokens.js';

const COUNTY = 'comps';
const OTHER = 'comps-other';
const PARCELS = 20000;
const SEED = 23;
const YEAR = 2025;
const SUBJECTS = 50;
const admin = authHeader({ role: 'admin', sub: 'admin-1' });
const viewer = authHeader({ role: 'viewer', counties: [COUNTY] });
const outsider = authHeader({ role: 'assessor', counties: [OTHER] });
const dataOnly = authHeader({ permissions: ['data:read', 'valuation:view_status'], counties: [COUNTY] });

type Json = Record<string, any>;
const cents = (dollars: number) => Math.round(dollars * 100);

describe('comparable sales of a parcel', () => {
  let t: TestApp;
  let regressionJob: string;
  let costJob: string;
  let subjects: { parcel_id: string; neighborhood: string }[];
  const answers = new Map<string, Json>();

  const run = async (body: Record<string, unknown>) => {
    const res = await t.request('POST', '/api/v1/valuation/run', {
      headers: admin,
      body: { county_id: COUNTY, tax_year: YEAR, ...body },
    });
    expect(res.status).toBe(202);
    const id = res.json().job_id as string;
    const done = await waitForJob(t, 'valuation', id, admin, { timeoutMs: 90_000 });
    expect(done).toMatchObject({ status: 'COMPLETED' });
    return id;
  };
  const comparables = (job: string, parcel: string, query = '', headers = viewer) =>
    t.request('GET', `/api/v1/valuation/results/${job}/parcels/${encodeURIComponent(parcel)}/comparables${query}`, {
      headers,
    });

  beforeAll(async () => {
    t = await createTestApp({ JOBS_POLL_INTERVAL_MS: '500', RATE_LIMIT_ENABLED: 'false' });
    await loadDemoCounty(t.db, { countyId: COUNTY, parcels: PARCELS, seed: SEED });
    await loadDemoCounty(t.db, { countyId: OTHER, parcels: 200, seed: SEED + 1 });
    regressionJob = await run({ method: 'regression' });
    costJob = await run({ method: 'cost' });
    // 50 parcels the regression valued (improved residential, every characteristic), in a fixed random order.
    subjects = (
      await t.db.query<{ parcel_id: string; neighborhood: string }>(
        `SELECT p.parcel_id, p.neighborhood FROM valuation_values v
           JOIN parcels p ON p.county_id = $2 AND p.parcel_id = v.parcel_id
          WHERE v.job_id = $1 AND p.property_class = 'residential' AND p.building_sqft > 0 AND p.land_sqft > 0
            AND p.year_built > 0 AND p.quality > 0 AND p.condition > 0 AND p.bathrooms >= 0
          ORDER BY md5(p.parcel_id) LIMIT $3`,
        [regressionJob, COUNTY, SUBJECTS],
      )
    ).rows;
    expect(subjects).toHaveLength(SUBJECTS);
    for (const s of subjects) {
      const res = await comparables(regressionJob, s.parcel_id);
      expect({ parcel: s.parcel_id, status: res.status }).toEqual({ parcel: s.parcel_id, status: 200 });
      answers.set(s.parcel_id, res.json());
    }
  }, 240_000);

  afterAll(async () => {
    await t?.close();
  });

  it('answers each parcel with its values in the version and up to 5 comparables', async () => {
    const versionValues = new Map(
      (
        await t.db.query<{ parcel_id: string; total: number }>(
          'SELECT parcel_id, total_value::float8 AS total FROM valuation_values WHERE job_id = $1',
          [regressionJob],
        )
      ).rows.map((r) => [r.parcel_id, r.total]),
    );
    for (const s of subjects) {
      const a = answers.get(s.parcel_id)!;
      expect(a).toMatchObject({
        job_id: regressionJob,
        county_id: COUNTY,
        tax_year: YEAR,
        valuation_date: `${YEAR}-01-01`,
        subject: { parcel_id: s.parcel_id, neighborhood: s.neighborhood, property_class: 'residential' },
        model_value: { total_value: versionValues.get(s.parcel_id) },
      });
      expect(a.comparables).toHaveLength(5);
      expect(a.comparables.map((c: Json) => c.rank)).toEqual([1, 2, 3, 4, 5]);
      const scores = a.comparables.map((c: Json) => c.distance_score);
      expect([...scores].sort((x, y) => x - y)).toEqual(scores);
      expect(new Set(a.comparables.map((c: Json) => c.parcel_id)).size).toBe(5);
    }
  });

  it('adjusts every sale so that time-adjusted price + Σ adjustments = adjusted price, to the cent', async () => {
    const results = (await t.request('GET', `/api/v1/valuation/results/${regressionJob}`, { headers: viewer })).json();
    const trend = results.diagnostics.time_trend_monthly as number;
    for (const a of answers.values()) {
      expect(a.method.time_trend_monthly).toBe(trend);
      for (const c of a.comparables as Json[]) {
        const adjustments = c.adjustments as Json[];
        expect(adjustments.map((x) => x.characteristic)).toEqual([
          'location',
          'building_sqft',
          'land_sqft',
          'age',
          'quality',
          'condition',
          'bathrooms',
        ]);
        const sum = adjustments.reduce((s, x) => s + cents(x.amount), 0);
        expect(cents(c.adjusted_price)).toBe(cents(c.time_adjusted_price) + sum);
        expect(cents(c.time_adjusted_price)).toBe(cents(c.sale_price) + cents(c.time_adjustment));
        expect(cents(c.net_adjustment)).toBe(cents(c.adjusted_price) - cents(c.sale_price));
        const gross =
          Math.abs(cents(c.time_adjustment)) + adjustments.reduce((s, x) => s + Math.abs(cents(x.amount)), 0);
        expect(cents(c.gross_adjustment)).toBe(gross);
        // Every dollar figure is a whole number of cents.
        for (const v of [c.adjusted_price, c.time_adjusted_price, ...adjustments.map((x) => x.amount)]) {
          expect(Math.abs(v * 100 - Math.round(v * 100))).toBeLessThan(1e-6);
        }
        // The time adjustment is the model's monthly trend over the months to the valuation date.
        const expected = c.sale_price * Math.exp(trend * c.months_before_valuation_date);
        expect(Math.abs(c.time_adjusted_price - expected)).toBeLessThan(expected * 1e-4);
        // The subject's value and the comparable's, as the model reads them.
        expect(adjustments[0]).toMatchObject({
          subject_value: a.subject.neighborhood,
          comparable_value: c.neighborhood,
        });
        if (c.neighborhood === a.subject.neighborhood) expect(adjustments[0].amount).toBe(0);
        expect(adjustments[1].subject_value).toBe(a.subject.building_sqft);
        expect(adjustments[3].subject_value).toBe(a.subject.age);
        for (const x of adjustments) expect(x.factor).toBeCloseTo(Math.exp(x.log_adjustment), 5);
      }
    }
  });

  it('draws valid sales of the same property class in the sales window, never the subject own sales', async () => {
    const ids = [...answers.values()].flatMap((a) => a.comparables.map((c: Json) => c.sale_id));
    const { rows } = await t.db.query<{
      id: string;
      parcel_id: string;
      property_class: string;
      is_valid: boolean;
      d: string;
    }>(
      `SELECT s.id::text AS id, s.parcel_id, p.property_class, s.is_valid, s.sale_date::text AS d
         FROM sales s JOIN parcels p ON p.county_id = s.county_id AND p.parcel_id = s.parcel_id
        WHERE s.id = ANY($1::bigint[])`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const a of answers.values()) {
      for (const c of a.comparables as Json[]) {
        const sale = byId.get(c.sale_id)!;
        expect(sale).toMatchObject({
          parcel_id: c.parcel_id,
          property_class: 'residential',
          is_valid: true,
          d: c.sale_date,
        });
        expect(c.parcel_id).not.toBe(a.subject.parcel_id);
        expect(c.sale_date >= a.search.sales_from && c.sale_date <= a.search.sales_to).toBe(true);
      }
    }
  });

  it("takes the subject's own neighborhood alone when it has enough sales, and widens only when it has not", async () => {
    const { rows } = await t.db.query<{ neighborhood: string; n: number }>(
      `SELECT p.neighborhood, count(DISTINCT s.parcel_id)::int AS n FROM sales s
         JOIN parcels p ON p.county_id = s.county_id AND p.parcel_id = s.parcel_id
        WHERE s.county_id = $1 AND s.is_valid AND s.sale_date >= '2022-01-01' AND s.sale_date <= '2025-01-01'
          AND p.property_class = 'residential' AND p.building_sqft > 0
        GROUP BY p.neighborhood`,
      [COUNTY],
    );
    const sold = new Map(rows.map((r) => [r.neighborhood, r.n]));
    let alone = 0;
    for (const a of answers.values()) {
      const own = a.subject.neighborhood as string;
      expect(a.search.neighborhoods[0]).toBe(own);
      // The subject's own sales do not count as its candidates.
      if ((sold.get(own) ?? 0) > 11) {
        alone++;
        expect(a.search).toMatchObject({ widened: false, neighborhoods: [own] });
        expect(a.comparables.every((c: Json) => c.neighborhood === own)).toBe(true);
      } else if ((sold.get(own) ?? 0) < 10) {
        expect(a.search.widened).toBe(true);
      }
    }
    expect(alone).toBeGreaterThan(SUBJECTS / 2);
  });

  it('widens to the nearest neighborhoods by location when the own one has too few sales for the limit', async () => {
    // The neighborhood with the fewest sold residential parcels, and one of its valued parcels.
    const { rows } = await t.db.query<{ neighborhood: string; sold: number; parcel_id: string }>(
      `SELECT p.neighborhood, count(DISTINCT s.parcel_id)::int AS sold, min(p.parcel_id) AS parcel_id
         FROM parcels p JOIN sales s ON s.county_id = p.county_id AND s.parcel_id = p.parcel_id AND s.is_valid
        WHERE p.county_id = $1 AND p.property_class = 'residential' AND p.building_sqft > 0
        GROUP BY p.neighborhood ORDER BY 2, 1 LIMIT 1`,
      [COUNTY],
    );
    const { neighborhood, sold, parcel_id: parcel } = rows[0];
    expect(sold).toBeLessThan(50);
    const res = await comparables(regressionJob, parcel, '?limit=25');
    expect(res.status).toBe(200);
    const a = res.json();
    expect(a.search.widened).toBe(true);
    expect(a.search.neighborhoods[0]).toBe(neighborhood);
    expect(a.search.neighborhoods.length).toBeGreaterThan(1);
    expect(a.comparables).toHaveLength(25);
    for (const c of a.comparables) expect(a.search.neighborhoods).toContain(c.neighborhood);
    // The others searched are the nearest by their parcels' mean location, nearest first.
    const centers = await t.db.query<{ neighborhood: string; km: number }>(
      `SELECT neighborhood, 111.195 * sqrt(power(avg(lat) - $2, 2)
                + power((avg(lon) - $3) * cos(radians($2)), 2)) AS km
         FROM parcels WHERE county_id = $1 AND neighborhood <> $4 GROUP BY neighborhood ORDER BY 2`,
      [COUNTY, a.subject.lat, a.subject.lon, neighborhood],
    );
    const nearest = centers.rows.map((r) => r.neighborhood);
    const searched = a.search.neighborhoods.slice(1);
    expect(searched).toEqual(nearest.slice(0, searched.length));
    // The subject's own neighborhood's sales rank first at equal adjustments: the first comparable of another
    // neighborhood is at least the other-neighborhood penalty from the subject.
    for (const c of a.comparables) {
      if (c.neighborhood !== neighborhood) expect(c.distance_score).toBeGreaterThanOrEqual(0.1);
    }
  });

  it('finds the same comparables as ranking every sale of the neighborhood, while examining fewer parcels', async () => {
    const valuation = regressionModel(
      (await t.request('GET', `/api/v1/valuation/results/${regressionJob}`, { headers: viewer })).json(),
    )!;
    let pruned = 0;
    for (const s of subjects.slice(0, 20)) {
      const a = answers.get(s.parcel_id)!;
      if (a.search.widened) continue;
      const { rows } = await t.db.query(
        `SELECT s.id::text AS sale_id, p.parcel_id, s.sale_date::text AS sale_date, s.sale_price::float8 AS price,
                (s.sale_date - $4::date) / (365.25 / 12) AS months, p.neighborhood, p.building_sqft, p.land_sqft,
                p.year_built, p.quality, p.condition, p.bathrooms::float8 AS bathrooms, p.lon, p.lat
           FROM sales s JOIN parcels p ON p.county_id = s.county_id AND p.parcel_id = s.parcel_id
          WHERE s.county_id = $1 AND p.neighborhood = $2 AND p.parcel_id <> $3 AND s.is_valid
            AND s.sale_date BETWEEN $5::date AND $4::date AND p.property_class = 'residential'
            AND p.building_sqft > 0 AND p.land_sqft > 0 AND p.year_built > 0 AND p.quality > 0 AND p.condition > 0
            AND p.bathrooms >= 0`,
        [COUNTY, s.neighborhood, s.parcel_id, valuation.valuationDate, valuation.salesFrom],
      );
      const sales: CandidateSale[] = rows.map((r: Json) => ({
        saleId: r.sale_id,
        parcelId: r.parcel_id,
        saleDate: r.sale_date,
        price: r.price,
        months: Number(r.months),
        neighborhood: r.neighborhood,
        buildingSqft: r.building_sqft,
        landSqft: r.land_sqft,
        yearBuilt: r.year_built,
        quality: r.quality,
        condition: r.condition,
        bathrooms: r.bathrooms,
        locationEffect: valuation.effects.get(r.neighborhood)!,
        lon: r.lon,
        lat: r.lat,
      }));
      const subject = {
        buildingSqft: a.subject.building_sqft,
        landSqft: a.subject.land_sqft,
        yearBuilt: a.subject.year_built,
        quality: a.subject.quality,
        condition: a.subject.condition,
        bathrooms: a.subject.bathrooms,
        neighborhood: s.neighborhood,
        locationEffect: valuation.effects.get(s.neighborhood)!,
        lon: a.subject.lon,
        lat: a.subject.lat,
      };
      const eligible = new Set(rows.map((r: Json) => r.parcel_id)).size;
      for (const limit of [1, 2, 3, 5]) {
        const res = await comparables(regressionJob, s.parcel_id, `?limit=${limit}`);
        expect(res.status).toBe(200);
        const expected = selectComparables(valuation.model, subject, sales, limit).map((r) => r.sale.saleId);
        expect({ parcel: s.parcel_id, limit, ids: res.json().comparables.map((c: Json) => c.sale_id) }).toEqual({
          parcel: s.parcel_id,
          limit,
          ids: expected,
        });
        if (res.json().search.candidate_sales < sales.length) pruned++;
        expect(new Set(res.json().comparables.map((c: Json) => c.parcel_id)).size).toBe(limit);
        expect(eligible).toBeGreaterThanOrEqual(limit);
      }
    }
    // The small limits' first rounds (200 parcels per comparable) examine part of a neighborhood.
    expect(pruned).toBeGreaterThan(10);
  });

  it('reconciles between the smallest and largest adjusted price, weights from the gross adjustment shares', async () => {
    for (const a of answers.values()) {
      const adjusted = a.comparables.map((c: Json) => cents(c.adjusted_price));
      const value = cents(a.indicated_value);
      expect(value).toBeGreaterThanOrEqual(Math.min(...adjusted));
      expect(value).toBeLessThanOrEqual(Math.max(...adjusted));
      const weights = a.comparables.map((c: Json) => c.weight);
      expect(weights.reduce((s: number, w: number) => s + w, 0)).toBeCloseTo(1, 4);
      const raw = a.comparables.map(
        (c: Json) => 1 / Math.max(a.method.gross_share_floor, c.gross_adjustment / c.sale_price),
      );
      const total = raw.reduce((s: number, w: number) => s + w, 0);
      const expected = raw.reduce((s: number, w: number, i: number) => s + (w / total) * adjusted[i], 0);
      expect(Math.abs(value - expected)).toBeLessThanOrEqual(1);
      expect(a.indicated_to_model_ratio).toBeCloseTo(a.indicated_value / a.model_value.total_value, 4);
    }
  });

  it("indicates values close to the model's over 50 parcels of the synthetic county", async () => {
    const ratios = [...answers.values()]
      .map((a) => a.indicated_value / a.model_value.total_value)
      .sort((x, y) => x - y);
    const median = (ratios[24] + ratios[25]) / 2;
    expect(Math.abs(median - 1)).toBeLessThan(0.03);
    // Five comparables with σ = 0.13 noise each: a single parcel rarely strays more than 25 %.
    expect(ratios.filter((r) => Math.abs(r - 1) > 0.25).length).toBeLessThanOrEqual(2);
  });

  it('takes limit 1 to 25 and documents the method', async () => {
    const parcel = subjects[0].parcel_id;
    const one = await comparables(regressionJob, parcel, '?limit=1');
    expect(one.status).toBe(200);
    expect(one.json().comparables).toHaveLength(1);
    expect(one.json().indicated_value).toBe(one.json().comparables[0].adjusted_price);
    expect(one.json().comparables[0].weight).toBe(1);
    const many = await comparables(regressionJob, parcel, '?limit=25');
    expect(many.status).toBe(200);
    const all = many.json();
    expect(all.comparables.length).toBeGreaterThan(5);
    expect(all.comparables.length).toBeLessThanOrEqual(25);
    // The first five of 25 are the default five.
    expect(all.comparables.slice(0, 5).map((c: Json) => c.sale_id)).toEqual(
      answers.get(parcel)!.comparables.map((c: Json) => c.sale_id),
    );
    expect(all.method).toEqual({
      per_km_penalty: 0.02,
      other_neighborhood_penalty: 0.1,
      gross_share_floor: 0.05,
      time_trend_monthly: expect.any(Number),
    });
  });

  it('refuses bad input with 400 problem+json naming the field', async () => {
    const parcel = encodeURIComponent(subjects[0].parcel_id);
    const cases: [string, string][] = [
      [`/api/v1/valuation/results/not-a-uuid/parcels/${parcel}/comparables`, 'job_id'],
      [`/api/v1/valuation/results/${regressionJob}/parcels/${'x'.repeat(65)}/comparables`, 'parcel_id'],
      [`/api/v1/valuation/results/${regressionJob}/parcels/${parcel}/comparables?limit=0`, 'limit'],
      [`/api/v1/valuation/results/${regressionJob}/parcels/${parcel}/comparables?limit=26`, 'limit'],
      [`/api/v1/valuation/results/${regressionJob}/parcels/${parcel}/comparables?limit=2.5`, 'limit'],
      [`/api/v1/valuation/results/${regressionJob}/parcels/${parcel}/comparables?limit=five`, 'limit'],
      [`/api/v1/valuation/results/${regressionJob}/parcels/${parcel}/comparables?limit=1&limit=2`, 'limit'],
      [`/api/v1/valuation/results/${regressionJob}/parcels/${parcel}/comparables?radius=3`, 'radius'],
      [`/api/v1/valuation/results/${regressionJob}/parcels/a%00b/comparables`, 'parcel_id'],
    ];
    for (const [path, field] of cases) {
      const res = await t.request('GET', path, { headers: viewer });
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({
        path,
        status: 400,
        type: 'application/problem+json; charset=utf-8',
      });
      expect(res.json().errors.map((e: Json) => e.field)).toContain(field);
    }
  });

  it('answers 404 for a parcel the version does not have, naming it, and for a job outside your counties', async () => {
    const other = (
      await t.db.query<{ parcel_id: string }>('SELECT parcel_id FROM parcels WHERE county_id = $1 LIMIT 1', [OTHER])
    ).rows[0].parcel_id;
    for (const parcel of ['NO-SUCH-PARCEL', other === subjects[0].parcel_id ? 'ZZ' : `${other}-x`]) {
      const res = await comparables(regressionJob, parcel);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(res.json()).toMatchObject({ parcel_id: parcel });
      expect(res.json().detail).toBe(
        `Parcel "${parcel}" has no value in valuation job ${regressionJob} (county "${COUNTY}").`,
      );
    }
    const hidden = await comparables(regressionJob, subjects[0].parcel_id, '', outsider);
    expect(hidden.status).toBe(404);
    expect(hidden.json().detail).not.toContain(subjects[0].parcel_id);
    expect((await comparables(randomUUID(), subjects[0].parcel_id)).status).toBe(404);
  });

  it('needs valuation:view_results', async () => {
    const res = await comparables(regressionJob, subjects[0].parcel_id, '', dataOnly);
    expect(res.status).toBe(403);
    expect(res.json().missing_permissions).toEqual(['valuation:view_results']);
    expect((await comparables(regressionJob, subjects[0].parcel_id, '', {})).status).toBe(401);
  });

  it('answers 422 for a parcel the regression does not price', async () => {
    const { rows } = await t.db.query<{ parcel_id: string; property_class: string }>(
      `SELECT parcel_id, property_class FROM parcels WHERE county_id = $1 AND property_class = 'commercial' LIMIT 1`,
      [COUNTY],
    );
    const res = await comparables(regressionJob, rows[0].parcel_id);
    expect(res.status).toBe(422);
    expect(res.json()).toMatchObject({ type: 'https://terrafusion.dev/problems/parcel-not-comparable', status: 422 });
    expect(res.json().detail).toContain(`Parcel "${rows[0].parcel_id}" is commercial`);
  });

  it('answers 409 for a cost valuation, naming the regression valuation to ask instead, and 410 once deleted', async () => {
    const res = await comparables(costJob, subjects[0].parcel_id);
    expect(res.status).toBe(409);
    expect(res.json()).toMatchObject({ regression_job_id: regressionJob });
    expect(res.json().detail).toBe(
      `Valuation job ${costJob} has no regression coefficients (it used the cost method); comparable sales are ` +
        `adjusted with a regression's coefficients. The newest regression valuation of county "${COUNTY}" for ` +
        `${YEAR} is job ${regressionJob}; ask with it.`,
    );
    expect((await t.request('DELETE', `/api/v1/valuation/results/${costJob}`, { headers: admin })).status).toBe(204);
    const gone = await comparables(costJob, subjects[0].parcel_id);
    expect(gone.status).toBe(410);
    expect(gone.json().detail).toBe(
      `The values of valuation job ${costJob} were deleted; run the valuation again to get values.`,
    );
  });
});
