// The hedonic fit on sales drawn from the demo generator's TRUE_MODEL, in memory: every coefficient must be
// recovered within 4 standard errors (a two-sided normal tail of 6e-5 per coefficient: with ~50 comparisons a
// false alarm has odds of about 1 in 300, while a real bias of a few percent of a coefficient is caught).
import { describe, expect, it } from '@jest/globals';
import { TRUE_MODEL } from '../demo/hedonic-model.js';
import { demoSales } from './fixtures/demo-sales.js';
import { allocateColumns, classIndex, type ParcelBatch } from './valuation-data.js';
import { InsufficientDataError } from '../jobs/job-errors.js';
import { fitHedonicModel, hedonicValues, landShareOf, POOLED_TERM } from './hedonic-valuation.js';

const VALUATION_YEAR = TRUE_MODEL.referenceTaxYear;

describe('fitHedonicModel on the demo county', () => {
  const sales = demoSales(12_000, 11);
  const model = fitHedonicModel(sales, VALUATION_YEAR);
  const coefficient = (term: string) => {
    const j = model.terms.indexOf(term);
    expect(j).toBeGreaterThanOrEqual(0);
    return { estimate: model.fit.beta[j], se: model.fit.stdErrors[j] };
  };

  it('recovers every characteristic coefficient and the monthly trend within 4 standard errors', () => {
    const truth: Record<string, number> = { ...TRUE_MODEL.coefficients, month_trend: TRUE_MODEL.monthlyTrend };
    for (const [term, value] of Object.entries(truth)) {
      const { estimate, se } = coefficient(term);
      expect({ term, within: Math.abs(estimate - value) <= 4 * se }).toEqual({ term, within: true });
    }
    // Precise enough for the check to bite: the size elasticity to ±0.02 at 1 SE.
    expect(coefficient('ln_building_sqft').se).toBeLessThan(0.02);
    expect(model.fit.n).toBe(model.salesUsed);
    expect(Math.sqrt(model.fit.sigma2)).toBeCloseTo(TRUE_MODEL.sigma, 1);
  });

  it('recovers neighborhood effects relative to the reference neighborhood and the intercept', () => {
    const base = model.baseNeighborhood!;
    const effects = TRUE_MODEL.neighborhoodEffects;
    // Neighborhoods with too few sales share the pooled effect, a mixture with no single true value.
    const own = model.terms.filter((t) => t.startsWith('nbhd:') && t !== POOLED_TERM);
    expect(own.length).toBeGreaterThan(30);
    for (const term of own) {
      const name = term.slice(5);
      const { estimate, se } = coefficient(term);
      expect({ name, within: Math.abs(estimate - (effects[name] - effects[base])) <= 4 * se }).toEqual({
        name,
        within: true,
      });
    }
    const { estimate, se } = coefficient('intercept');
    expect(Math.abs(estimate - (TRUE_MODEL.intercept + effects[base]))).toBeLessThanOrEqual(4 * se);
  });

  it('reports in-sample COD below 15, PRD near 1, and the smearing factor near exp(σ²/2)', () => {
    expect(model.ratios.cod).toBeLessThan(15);
    expect(model.ratios.prd).toBeGreaterThan(0.98);
    expect(model.ratios.prd).toBeLessThan(1.03);
    expect(model.smearing).toBeCloseTo(Math.exp(TRUE_MODEL.sigma ** 2 / 2), 2);
    expect(model.fit.rSquared).toBeGreaterThan(0.8);
  });

  it('values a parcel at exp(x′β)·smearing and splits land by the elasticity share', () => {
    const names = [...sales.neighborhoods];
    const batch: ParcelBatch = { ...allocateColumns(2, names), keys: ['a', 'b'] };
    const nb = names.indexOf('Oak Hill');
    batch.neighborhood.fill(nb);
    batch.propertyClass[0] = classIndex('residential');
    batch.landSqft[0] = 9000;
    batch.buildingSqft[0] = 1800;
    batch.yearBuilt[0] = 1990;
    batch.quality[0] = 4;
    batch.condition[0] = 3;
    batch.bathrooms[0] = 2;
    batch.propertyClass[1] = classIndex('vacant');
    batch.landSqft[1] = 9000;
    [batch.buildingSqft, batch.yearBuilt, batch.quality, batch.condition, batch.bathrooms].forEach((a) => (a[1] = NaN));
    const out = { land: new Float64Array(2), improvement: new Float64Array(2) };
    const basis = new Uint8Array(2);
    hedonicValues(model, batch, out, basis);

    const b = (t: string) => coefficient(t).estimate;
    const ln =
      b('intercept') +
      b('ln_building_sqft') * Math.log(1800) +
      b('ln_land_sqft') * Math.log(9000) +
      b('age') * 35 +
      b('age_squared') * 35 * 35 +
      b('quality') * 4 +
      b('condition') * 3 +
      b('bathrooms') * 2 +
      (model.effects.get('Oak Hill') ?? 0);
    const value = Math.exp(ln) * model.smearing;
    expect(basis[0]).toBe(0);
    expect(Math.abs(out.land[0] + out.improvement[0] - value)).toBeLessThanOrEqual(1);
    expect(out.land[0]).toBe(Math.round(value * model.landShare));
    // The vacant lot: land only, at the neighborhood's rate.
    expect(basis[1]).toBe(2);
    expect(out.improvement[1]).toBe(0);
    expect(out.land[1]).toBe(Math.round(model.landRates.landValue('Oak Hill', 9000)));
    expect(out.land[1]).toBeGreaterThan(0);
  });

  it('refuses too few sales with a message naming what it needs', () => {
    const few = demoSales(300, 3);
    expect(() => fitHedonicModel(few, VALUATION_YEAR)).toThrow(InsufficientDataError);
    expect(() => fitHedonicModel(few, VALUATION_YEAR)).toThrow(/needs at least \d+ valid sales .* found \d+/);
  });
});

describe('landShareOf', () => {
  it('is the lot elasticity share, bounded, with a default for non-positive elasticities', () => {
    expect(landShareOf(0.55, 0.15)).toBeCloseTo(0.15 / 0.7, 12);
    expect(landShareOf(0.01, 0.5)).toBe(0.8);
    expect(landShareOf(0.6, -0.1)).toBe(0.2);
  });
});
