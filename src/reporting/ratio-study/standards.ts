// IAAO performance standards a ratio-study stratum is checked against (IAAO Standard on Ratio Studies, 2013,
// section 9.1 and table 9-1).
//
// COD ranges by property class (table 9-1 maps onto the five classes of this service as follows):
//   residential   5–15  single-family residential, older or heterogeneous areas (newer homogeneous areas: 5–10)
//   commercial    5–20  income-producing property, smaller or rural jurisdictions (larger urban: 5–15)
//   industrial    5–20  income-producing property, as commercial
//   vacant        5–25  vacant land
//   agricultural  5–25  not in table 9-1; judged like vacant land since farm value is chiefly land
// A COD below 5 is outside the range too: the standard reads it as a sign of sales chasing or a
// non-representative sample.
// Level: median ratio 0.90–1.10. Vertical equity: PRD 0.98–1.03, PRB −0.05..0.05.
// A stratum with fewer than 30 sales gets a warning: its figures are too uncertain to judge compliance on.
// Beside them, not part of `compliant` (the IAAO standard does not set it): Quintos's range of the MKI,
// 0.95 < MKI ≤ 1.05 (vertical equity by Gini indices, statistics/vertical-equity.ts).
import type { RatioStatistics } from '../../statistics/ratio-statistics.js';
import { MKI_RANGE, mkiWithinRange } from '../../statistics/vertical-equity.js';

export type Range = readonly [number, number];

export const IAAO_STANDARDS = {
  median: [0.9, 1.1] as Range,
  prd: [0.98, 1.03] as Range,
  prb: [-0.05, 0.05] as Range,
  cod: {
    residential: [5, 15] as Range,
    commercial: [5, 20] as Range,
    industrial: [5, 20] as Range,
    vacant: [5, 25] as Range,
    agricultural: [5, 25] as Range,
  } as Readonly<Record<string, Range>>,
  /** Quintos's range of the MKI, open below and closed above: 0.95 < MKI ≤ 1.05. */
  mki: MKI_RANGE,
  /** Below this many sales a stratum is flagged as too small to judge. */
  minSales: 30,
} as const;

export interface StratumFlags {
  /** Which sample the checks use: the outlier-trimmed one, as the standard recommends. */
  basis: 'trimmed';
  /** The class whose COD range applies (the dominant class of a mixed stratum). */
  cod_class: string;
  cod_range: Range;
  median_ok: boolean | null;
  cod_ok: boolean | null;
  prd_ok: boolean | null;
  prb_ok: boolean | null;
  /** True when the PRB's 95% CI excludes 0 (the price-related bias is statistically significant). */
  prb_significant: boolean | null;
  /** True when the whole PRB CI lies within −0.05..0.05. */
  prb_ci_within_range: boolean | null;
  /** 0.95 < MKI ≤ 1.05 (Quintos); not part of `compliant`. */
  mki_ok: boolean | null;
  sample_ok: boolean;
  /** All four measures within their ranges (null when one of them could not be computed). */
  compliant: boolean | null;
}

function within(value: number | null, range: Range): boolean | null {
  return value === null ? null : value >= range[0] && value <= range[1];
}

/** COD range of a class; unknown classes are judged by the widest range. */
export function codRange(propertyClass: string): Range {
  return IAAO_STANDARDS.cod[propertyClass] ?? [5, 25];
}

export function evaluateStratum(s: RatioStatistics, codClass: string): StratumFlags {
  const range = codRange(codClass);
  const medianOk = within(s.median, IAAO_STANDARDS.median);
  const codOk = within(s.cod, range);
  const prdOk = within(s.prd, IAAO_STANDARDS.prd);
  const prbOk = within(s.prb, IAAO_STANDARDS.prb);
  const checks = [medianOk, codOk, prdOk, prbOk];
  return {
    basis: 'trimmed',
    cod_class: codClass,
    cod_range: range,
    median_ok: medianOk,
    cod_ok: codOk,
    prd_ok: prdOk,
    prb_ok: prbOk,
    prb_significant: s.prb_ci ? s.prb_ci[0] > 0 || s.prb_ci[1] < 0 : null,
    prb_ci_within_range: s.prb_ci ? s.prb_ci[0] >= IAAO_STANDARDS.prb[0] && s.prb_ci[1] <= IAAO_STANDARDS.prb[1] : null,
    mki_ok: mkiWithinRange(s.mki),
    sample_ok: s.n >= IAAO_STANDARDS.minSales,
    compliant: checks.some((c) => c === null) ? null : checks.every(Boolean),
  };
}

/** Plain-language warnings for a stratum. */
export function stratumWarnings(
  untrimmed: RatioStatistics,
  trimmed: RatioStatistics,
  codClass: string,
  mixedClasses: boolean,
): string[] {
  const warnings: string[] = [];
  if (untrimmed.n < IAAO_STANDARDS.minSales) {
    warnings.push(
      `only ${untrimmed.n} sales (fewer than ${IAAO_STANDARDS.minSales}): the figures are too uncertain to judge compliance`,
    );
  }
  if (trimmed.median_ci === null) warnings.push('too few sales for a confidence interval of the median (needs 6)');
  if (trimmed.prb === null) warnings.push('too few sales or no spread in value for the PRB (needs 3)');
  if (trimmed.cod !== null && trimmed.cod < codRange(codClass)[0]) {
    warnings.push(
      `COD ${trimmed.cod.toFixed(2)} is below ${codRange(codClass)[0]}: possible sales chasing or a non-representative sample`,
    );
  }
  if (mixedClasses) {
    warnings.push(`the stratum mixes property classes; COD judged by the range of its dominant class (${codClass})`);
  }
  return warnings;
}
