import { describe, expect, it } from '@jest/globals';
import { ratioStatistics } from '../../statistics/ratio-statistics.js';
import { DEFAULT_BOOTSTRAP, ratioStudyStrata, type RatioStudyData } from './ratio-study.js';
import { codRange, evaluateStratum, IAAO_STANDARDS } from './standards.js';

/** Builds coded columns from (estimate, price, class, neighborhood) rows. */
function data(rows: [number, number, string, string][]): RatioStudyData {
  const classLabels = [...new Set(rows.map((r) => r[2]))];
  const neighborhoodLabels = [...new Set(rows.map((r) => r[3]))];
  return {
    estimate: Float64Array.from(rows.map((r) => r[0])),
    price: Float64Array.from(rows.map((r) => r[1])),
    propertyClass: Uint8Array.from(rows.map((r) => classLabels.indexOf(r[2]))),
    classLabels,
    neighborhood: Int32Array.from(rows.map((r) => neighborhoodLabels.indexOf(r[3]))),
    neighborhoodLabels,
  };
}

// 40 residential sales in Zeta and Alpha with ratios 0.95..1.05, one residential outlier (ratio 3) in Alpha, and
// 5 commercial sales in Alpha.
const rows: [number, number, string, string][] = [];
for (let i = 0; i < 40; i++) {
  const price = 100_000 + 5_000 * i;
  rows.push([price * (0.95 + (i % 11) * 0.01), price, 'residential', i % 2 === 0 ? 'Zeta' : 'Alpha']);
}
rows.push([600_000, 200_000, 'residential', 'Alpha']);
for (let i = 0; i < 5; i++) rows.push([(0.8 + 0.05 * i) * 500_000, 500_000, 'commercial', 'Alpha']);

describe('ratioStudyStrata', () => {
  const strata = ratioStudyStrata(data(rows), ['neighborhood', 'property_class'], {
    trimFactor: 1.5,
    bootstrap: DEFAULT_BOOTSTRAP,
  });

  it('lists overall, then each grouping in the order asked with values sorted', () => {
    expect(strata.map((s) => s.group)).toEqual([
      {},
      { neighborhood: 'Alpha' },
      { neighborhood: 'Zeta' },
      { property_class: 'commercial' },
      { property_class: 'residential' },
    ]);
    expect(strata.map((s) => s.untrimmed.n)).toEqual([46, 26, 20, 5, 41]);
  });

  it('trims the outlier by the IQR rule and reports how many were trimmed', () => {
    const residential = strata[4];
    expect(residential.trimmed_count).toBe(1);
    expect(residential.trimmed.n).toBe(40);
    expect(residential.trim_bounds![1]).toBeLessThan(3);
    const kept = rows.filter((r) => r[2] === 'residential' && r[0] / r[1] < 2);
    expect(residential.trimmed).toEqual(
      ratioStatistics(Float64Array.from(kept.map((r) => r[0])), Float64Array.from(kept.map((r) => r[1]))),
    );
    // Zeta has no outlier: trimmed and untrimmed are the same.
    expect(strata[2].trimmed_count).toBe(0);
    expect(strata[2].trimmed).toEqual(strata[2].untrimmed);
  });

  it('matches a larger trim factor keeping more', () => {
    const wide = ratioStudyStrata(data(rows), [], { trimFactor: 100, bootstrap: DEFAULT_BOOTSTRAP });
    expect(wide[0].trimmed_count).toBe(0);
  });

  it('judges COD by the class of the stratum, or the dominant class of a mixed one', () => {
    expect(strata[3].flags.cod_class).toBe('commercial');
    expect(strata[3].flags.cod_range).toEqual([5, 20]);
    expect(strata[0].flags.cod_class).toBe('residential');
    expect(strata[0].warnings).toContain(
      'the stratum mixes property classes; COD judged by the range of its dominant class (residential)',
    );
    expect(strata[4].warnings).not.toContain(
      'the stratum mixes property classes; COD judged by the range of its dominant class (residential)',
    );
  });

  it('warns about strata with fewer than 30 sales', () => {
    expect(strata[1].warnings[0]).toBe(
      'only 26 sales (fewer than 30): the figures are too uncertain to judge compliance',
    );
    expect(strata[1].flags.sample_ok).toBe(false);
    expect(strata[0].flags.sample_ok).toBe(true);
    expect(strata[3].warnings).toContain('too few sales for a confidence interval of the median (needs 6)');
  });
});

describe('evaluateStratum', () => {
  const base = {
    n: 50,
    mean: 1,
    weighted_mean: 1,
    median_ci: [0.95, 1.05] as [number, number],
    mki: 1,
    ki: 0,
  };

  it('checks each measure against its IAAO range, bounds included', () => {
    const ok = evaluateStratum(
      { ...base, median: 0.9, cod: 15, prd: 1.03, prb: -0.05, prb_ci: [-0.08, -0.02] },
      'residential',
    );
    expect(ok).toMatchObject({
      median_ok: true,
      cod_ok: true,
      prd_ok: true,
      prb_ok: true,
      prb_significant: true,
      prb_ci_within_range: false,
      compliant: true,
    });
    const bad = evaluateStratum(
      { ...base, median: 1.12, cod: 15.5, prd: 0.97, prb: 0.06, prb_ci: [-0.01, 0.13] },
      'residential',
    );
    expect(bad).toMatchObject({
      median_ok: false,
      cod_ok: false,
      prd_ok: false,
      prb_ok: false,
      prb_significant: false,
      compliant: false,
    });
    // The same COD passes for vacant land (5–25) and a COD under 5 fails everywhere.
    expect(
      evaluateStratum({ ...base, median: 1, cod: 15.5, prd: 1, prb: 0, prb_ci: [-0.01, 0.01] }, 'vacant').cod_ok,
    ).toBe(true);
    expect(
      evaluateStratum({ ...base, median: 1, cod: 4.9, prd: 1, prb: 0, prb_ci: [-0.01, 0.01] }, 'vacant').cod_ok,
    ).toBe(false);
  });

  it('leaves checks it cannot make as null', () => {
    const f = evaluateStratum({ ...base, median: 1, cod: 10, prd: 1, prb: null, prb_ci: null }, 'commercial');
    expect(f.prb_ok).toBeNull();
    expect(f.prb_significant).toBeNull();
    expect(f.compliant).toBeNull();
  });

  it('documents the table of COD ranges', () => {
    expect(codRange('residential')).toEqual([5, 15]);
    expect(codRange('commercial')).toEqual([5, 20]);
    expect(codRange('industrial')).toEqual([5, 20]);
    expect(codRange('vacant')).toEqual([5, 25]);
    expect(codRange('agricultural')).toEqual([5, 25]);
    expect(IAAO_STANDARDS.median).toEqual([0.9, 1.1]);
    expect(IAAO_STANDARDS.prd).toEqual([0.98, 1.03]);
    expect(IAAO_STANDARDS.prb).toEqual([-0.05, 0.05]);
  });
});
