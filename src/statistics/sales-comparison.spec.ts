import { describe, expect, it } from '@jest/globals';
import {
  adjustSale,
  ageAt,
  CHARACTERISTICS,
  comparisonDistance,
  DEFAULT_PENALTIES,
  kilometres,
  logDifferences,
  parcelBound,
  reconcile,
  selectComparables,
  selectionComplete,
  type CandidateSale,
  type ComparisonModel,
  type PropertyTraits,
} from './sales-comparison.js';

const MODEL: ComparisonModel = {
  coefficients: {
    ln_building_sqft: 0.55,
    ln_land_sqft: 0.15,
    age: -0.0065,
    age_squared: 0.00004,
    quality: 0.11,
    condition: 0.06,
    bathrooms: 0.035,
  },
  monthlyTrend: 0.005,
  valuationYear: 2025,
};
const EFFECTS: Record<string, number> = { North: 0.1, South: -0.2 };

const SUBJECT: PropertyTraits = {
  buildingSqft: 1800,
  landSqft: 7200,
  yearBuilt: 1990,
  quality: 4,
  condition: 3,
  bathrooms: 2,
  neighborhood: 'North',
  locationEffect: EFFECTS.North,
  lon: -86.5264,
  lat: 39.1653,
};

/** ln price of the model at the valuation date (intercept 6.6), without noise. */
function modelLog(p: PropertyTraits): number {
  const b = MODEL.coefficients;
  const age = ageAt(MODEL.valuationYear, p.yearBuilt);
  return (
    6.6 +
    b.ln_building_sqft * Math.log(p.buildingSqft) +
    b.ln_land_sqft * Math.log(p.landSqft) +
    b.age * age +
    b.age_squared * age * age +
    b.quality * p.quality +
    b.condition * p.condition +
    b.bathrooms * p.bathrooms +
    p.locationEffect
  );
}

let nextId = 1;
function sale(overrides: Partial<CandidateSale> = {}, noise = 0): CandidateSale {
  const traits = { ...SUBJECT, ...overrides };
  const neighborhood = traits.neighborhood;
  const base: CandidateSale = {
    ...traits,
    locationEffect: EFFECTS[neighborhood] ?? 0,
    saleId: String(nextId++),
    parcelId: `P-${nextId}`,
    saleDate: '2024-06-01',
    months: -7,
    price: 0,
    ...overrides,
  };
  const price = Math.exp(modelLog(base) + MODEL.monthlyTrend * base.months + noise);
  return { ...base, price: overrides.price ?? Math.round(price * 100) / 100 };
}

describe('sales comparison', () => {
  it('counts age to the valuation year, never below zero', () => {
    expect(ageAt(2025, 1990)).toBe(35);
    expect(ageAt(2025, 2026)).toBe(0);
  });

  it('measures great-circle distance in km, null without a location', () => {
    // One degree of latitude ≈ 111.2 km.
    expect(kilometres({ lon: 0, lat: 0 }, { lon: 0, lat: 1 })).toBeCloseTo(111.195, 2);
    expect(kilometres({ lon: -86.5, lat: 39.1 }, { lon: -86.5, lat: 39.1 })).toBe(0);
    expect(kilometres({ lon: null, lat: 39 }, { lon: -86, lat: 39 })).toBeNull();
  });

  it('gives one log difference per characteristic, location first, with both values shown', () => {
    const c = sale({ buildingSqft: 2000, yearBuilt: 2000, neighborhood: 'South', quality: 5 });
    const d = logDifferences(MODEL, SUBJECT, c);
    expect(d.map((x) => x.characteristic)).toEqual([...CHARACTERISTICS]);
    expect(d[0]).toMatchObject({ subject: 'North', comparable: 'South' });
    expect(d[0].log).toBeCloseTo(0.3, 12);
    expect(d[1]).toMatchObject({ subject: 1800, comparable: 2000 });
    expect(d[1].log).toBeCloseTo(0.55 * Math.log(1800 / 2000), 12);
    expect(d[3]).toMatchObject({ subject: 35, comparable: 25 });
    expect(d[3].log).toBeCloseTo(-0.0065 * 10 + 0.00004 * (35 * 35 - 25 * 25), 12);
    expect(d[4].log).toBeCloseTo(-0.11, 12);
    expect(d[2].log).toBe(0);
  });

  it('scores the gross log adjustment plus penalties for distance and another neighborhood', () => {
    const same = sale({ lon: SUBJECT.lon, lat: SUBJECT.lat! + 0.01 });
    const d = comparisonDistance(MODEL, SUBJECT, same);
    expect(d.km).toBeCloseTo(1.112, 2);
    expect(d.score).toBeCloseTo(0.005 * 7 + DEFAULT_PENALTIES.perKm * d.km!, 12);
    const other = sale({ neighborhood: 'South', lon: SUBJECT.lon, lat: SUBJECT.lat! + 0.01 });
    expect(comparisonDistance(MODEL, SUBJECT, other).score).toBeCloseTo(
      d.score + 0.3 + DEFAULT_PENALTIES.otherNeighborhood,
      12,
    );
  });

  it('ranks the most similar sales first, one sale per parcel, the same neighborhood preferred', () => {
    const twin = sale({ saleDate: '2024-11-01', months: -2 });
    const twinOlder = { ...sale({ saleDate: '2023-01-01', months: -24 }), parcelId: twin.parcelId };
    const bigger = sale({ buildingSqft: 2600 });
    const neighbor = sale({ neighborhood: 'South', buildingSqft: 1850 });
    const plainer = sale({ quality: 1 });
    const ranked = selectComparables(MODEL, SUBJECT, [plainer, neighbor, bigger, twinOlder, twin], 3);
    expect(ranked.map((r) => r.sale.saleId)).toEqual([twin.saleId, bigger.saleId, plainer.saleId]);
    expect(ranked.every((r, i) => i === 0 || r.score >= ranked[i - 1].score)).toBe(true);
    expect(selectComparables(MODEL, SUBJECT, [twin], 0)).toEqual([]);
  });

  it("bounds every sale's distance from below by its parcel's part, so a search can stop early", () => {
    const sales = Array.from({ length: 120 }, (_, i) =>
      sale({
        buildingSqft: 1000 + ((i * 97) % 1800),
        quality: 1 + (i % 6),
        neighborhood: i % 4 === 0 ? 'South' : 'North',
        months: -((i * 7) % 36),
        lon: SUBJECT.lon! + ((i % 11) - 5) * 0.003,
      }),
    );
    for (const c of sales) {
      const bound = parcelBound(MODEL, SUBJECT, c);
      const { score } = comparisonDistance(MODEL, SUBJECT, c);
      expect(bound).toBeLessThanOrEqual(score);
      // What the bound leaves out: time and kilometres.
      const km = comparisonDistance(MODEL, SUBJECT, c).km!;
      expect(score - bound).toBeCloseTo(Math.abs(MODEL.monthlyTrend * c.months) + DEFAULT_PENALTIES.perKm * km, 12);
    }
    // Examining sales in bound order and stopping when selectionComplete says so gives the full ranking's top 3.
    const byBound = [...sales].sort((a, b) => parcelBound(MODEL, SUBJECT, a) - parcelBound(MODEL, SUBJECT, b));
    const full = selectComparables(MODEL, SUBJECT, sales, 3).map((r) => r.sale.saleId);
    let stoppedAt = -1;
    for (let n = 1; n < byBound.length; n++) {
      const ranked = selectComparables(MODEL, SUBJECT, byBound.slice(0, n), 3);
      if (selectionComplete(ranked, 3, parcelBound(MODEL, SUBJECT, byBound[n]))) {
        stoppedAt = n;
        expect(ranked.map((r) => r.sale.saleId)).toEqual(full);
        break;
      }
    }
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(sales.length);
    expect(selectionComplete([{ score: 0.1, km: null }], 2, 1)).toBe(false);
    expect(selectionComplete([{ score: 0.1, km: null }], 1, 0.1)).toBe(false);
    expect(selectionComplete([{ score: 0.1, km: null }], 1, 0.2)).toBe(true);
  });

  it('adjusts sequentially in cents so that the amounts add up exactly to the adjusted price', () => {
    const variations: Partial<CandidateSale>[] = [];
    for (let i = 0; i < 200; i++) {
      variations.push({
        buildingSqft: 900 + ((i * 137) % 3000),
        landSqft: 2500 + ((i * 911) % 30000),
        yearBuilt: 1900 + ((i * 7) % 125),
        quality: 1 + (i % 6),
        condition: 1 + ((i * 3) % 5),
        bathrooms: 1 + ((i * 5) % 7) / 2,
        neighborhood: i % 3 === 0 ? 'South' : 'North',
        months: -((i * 13) % 36) - 0.37,
        price: 50_000 + ((i * 7919) % 900_000) + 0.37,
      });
    }
    for (const v of variations) {
      const c = sale(v);
      const a = adjustSale(MODEL, SUBJECT, c);
      const sum = a.adjustments.reduce((s, x) => s + x.amountCents, 0);
      expect(Number.isInteger(a.timeAdjustedCents) && a.adjustments.every((x) => Number.isInteger(x.amountCents))).toBe(
        true,
      );
      expect(a.adjustedCents).toBe(a.timeAdjustedCents + sum);
      expect(a.timeAdjustedCents).toBe(a.priceCents + a.timeAdjustmentCents);
      expect(a.netCents).toBe(a.adjustedCents - a.priceCents);
      expect(a.grossCents).toBe(
        Math.abs(a.timeAdjustmentCents) + a.adjustments.reduce((s, x) => s + Math.abs(x.amountCents), 0),
      );
      // The product of the factors, whatever their order.
      const exact = c.price * Math.exp(-MODEL.monthlyTrend * c.months + a.adjustments.reduce((s, x) => s + x.log, 0));
      expect(Math.abs(a.adjustedCents - exact * 100)).toBeLessThanOrEqual(0.5 + 1e-6);
      for (const x of a.adjustments) expect(x.factor).toBeCloseTo(Math.exp(x.log), 12);
    }
  });

  it('brings every noise-free sale of the model to the same adjusted price: the subject value', () => {
    const subjectValue = Math.exp(modelLog(SUBJECT));
    const sales = [
      sale({ buildingSqft: 2400, months: -30, saleDate: '2022-07-01' }),
      sale({ neighborhood: 'South', quality: 2, bathrooms: 1 }),
      sale({ yearBuilt: 1960, landSqft: 20000, condition: 5 }),
    ];
    const adjusted = sales.map((c) => adjustSale(MODEL, SUBJECT, c));
    for (const a of adjusted) expect(Math.abs(a.adjustedCents / 100 - subjectValue)).toBeLessThan(0.05);
    const r = reconcile(adjusted);
    expect(Math.abs(r.valueCents! / 100 - subjectValue)).toBeLessThan(0.05);
  });

  it('an identical sale at the valuation date needs no adjustment', () => {
    const a = adjustSale(MODEL, SUBJECT, sale({ months: 0, saleDate: '2025-01-01', price: 312_345.67 }));
    expect(a.timeAdjustedCents).toBe(31_234_567);
    expect(a.adjustments.every((x) => x.amountCents === 0 && x.factor === 1)).toBe(true);
    expect(a).toMatchObject({ adjustedCents: 31_234_567, netCents: 0, grossCents: 0, grossShare: 0 });
  });

  it('reconciles with weights inversely proportional to the gross adjustment share, floored', () => {
    const r = reconcile([
      { adjustedCents: 30_000_000, grossShare: 0.1 },
      { adjustedCents: 40_000_000, grossShare: 0.3 },
      { adjustedCents: 35_000_000, grossShare: 0.01 },
    ]);
    // Raw weights 10, 3.33…, 20 (0.01 floored to 0.05).
    expect(r.weights[0]).toBeCloseTo(10 / (10 + 10 / 3 + 20), 12);
    expect(r.weights[2]).toBeCloseTo(20 / (10 + 10 / 3 + 20), 12);
    expect(r.weights.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 12);
    expect(r.valueCents).toBe(Math.round((10 * 30e6 + (10 / 3) * 40e6 + 20 * 35e6) / (10 + 10 / 3 + 20)));
    expect(reconcile([])).toEqual({ weights: [], valueCents: null });
    expect(reconcile([{ adjustedCents: 12_345, grossShare: 0.2 }])).toEqual({ weights: [1], valueCents: 12_345 });
  });

  it('keeps the reconciled value between the smallest and largest adjusted price', () => {
    for (let i = 1; i < 300; i++) {
      const sales = Array.from({ length: 1 + (i % 7) }, (_, k) => ({
        adjustedCents: 10_000_000 + ((i * 7919 + k * 104_729) % 5_000_000),
        grossShare: ((i * 31 + k * 17) % 100) / 250,
      }));
      const { valueCents } = reconcile(sales);
      expect(valueCents!).toBeGreaterThanOrEqual(Math.min(...sales.map((s) => s.adjustedCents)));
      expect(valueCents!).toBeLessThanOrEqual(Math.max(...sales.map((s) => s.adjustedCents)));
      expect(Number.isInteger(valueCents)).toBe(true);
    }
  });
});
