// Reports as tidy CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break) with a
// header row in words a spreadsheet user reads, one row per stratum × sample (ratio study) or per group (roll).
//
// CSV injection: a text cell starting with =, +, -, @, tab or carriage return would be read as a formula by
// spreadsheet programs, so it gets a leading single quote. Numbers the report computed are written as plain numeric
// literals (a negative PRB stays -0.12, not '-0.12) — a literal like that cannot carry a formula.
import { csvTextCell } from '../common/csv.js';
import type { AssessmentRollResult, RollGroup, RollSums } from './assessment-roll.js';
import type { RatioStratum } from './ratio-study/ratio-study.js';
import type { RatioStatistics } from '../statistics/ratio-statistics.js';

type Cell = string | number | boolean | null | undefined;

/** One CSV field: neutralised against formula injection, then quoted per RFC 4180 when needed. */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return csvTextCell(value);
}

export function csvRow(cells: readonly Cell[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** The CSV of a ratio_study or assessment_roll result. */
export function reportToCsv(result: Record<string, unknown>): string {
  switch (result.report_type) {
    case 'ratio_study':
      return ratioStudyCsv(result as unknown as RatioStudyCsvInput);
    case 'assessment_roll':
      return assessmentRollCsv(result as unknown as AssessmentRollResult);
    default:
      throw new TypeError(`no CSV layout for report_type ${JSON.stringify(result.report_type)}`);
  }
}

const GROUPING_NAMES: Record<string, string> = {
  property_class: 'Property class',
  neighborhood: 'Neighborhood',
};

function groupCells(group: Record<string, string | undefined>): [string, string] {
  const entries = Object.entries(group).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return ['Overall', 'All sales'];
  const [k, v] = entries[0];
  return [GROUPING_NAMES[k] ?? k, v ?? ''];
}

const RATIO_HEADER = [
  'Stratum',
  'Group',
  'Sample',
  'Sales',
  'Outliers trimmed',
  'Median ratio',
  'Median 95% CI low',
  'Median 95% CI high',
  'Mean ratio',
  'Weighted mean ratio',
  'COD',
  'PRD',
  'PRB',
  'PRB 95% CI low',
  'PRB 95% CI high',
  'MKI',
  'KI',
  'COD 95% CI low (bootstrap)',
  'COD 95% CI high (bootstrap)',
  'PRD 95% CI low (bootstrap)',
  'PRD 95% CI high (bootstrap)',
  'MKI 95% CI low (bootstrap)',
  'MKI 95% CI high (bootstrap)',
  'Median within 0.90-1.10',
  'COD range',
  'COD within range',
  'PRD within 0.98-1.03',
  'PRB within ±0.05',
  'PRB significant',
  'Meets IAAO standards',
  'MKI within 0.95-1.05',
  'Sales chasing: CDF gap',
  'Sales chasing: distribution',
  'Sales chasing: sold vs unsold',
  'Sales chasing verdict',
  'Warnings',
];
/** Columns of the statistics of one sample, before the flags. */
const STAT_COLUMNS = RATIO_HEADER.indexOf('Median within 0.90-1.10');
/** Columns after them: the IAAO flags, the MKI range, the chasing verdicts. */
const FLAG_COLUMNS = RATIO_HEADER.length - 1 - STAT_COLUMNS;

// The CSV is read by people: ratios to 4 decimals, COD (a percentage) to 2, PRD to 3 — the precision
// the IAAO standard states them in. The JSON result keeps full precision for further computation.
const RATIO_DIGITS = 4;
const COD_DIGITS = 2;
const PRD_DIGITS = 3;

function fixed(value: number | null | undefined, digits: number): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const rounded = Number(value.toFixed(digits));
  return Object.is(rounded, -0) ? 0 : rounded;
}

interface RatioStudyCsvInput {
  strata: RatioStratum[];
  trim_factor?: number;
  comparison?: {
    versions: { values: string; strata: RatioStratum[] }[];
    differences: {
      values: string;
      against: string;
      strata: {
        group: Record<string, string | undefined>;
        median: number | null;
        cod: number | null;
        prd: number | null;
        prb: number | null;
      }[];
    }[];
  };
}

/**
 * A single study: one row per stratum × sample. A comparison: a first column `Values` naming the value set, the
 * rows of each set in turn, then one row per stratum of each set's difference from the first (trimmed samples).
 */
function ratioStudyCsv(result: RatioStudyCsvInput): string {
  if (!result.comparison) return csvRow(RATIO_HEADER) + strataRows(result.strata, result.trim_factor);
  let out = csvRow(['Values', ...RATIO_HEADER]);
  for (const v of result.comparison.versions) out += strataRows(v.strata, result.trim_factor, v.values);
  const blank = (n: number): null[] => new Array<null>(n).fill(null);
  for (const d of result.comparison.differences) {
    for (const s of d.strata) {
      const [stratum, group] = groupCells(s.group);
      out += csvRow([
        `${d.values} minus ${d.against}`,
        stratum,
        group,
        'Difference (trimmed)',
        ...blank(2),
        fixed(s.median, RATIO_DIGITS),
        ...blank(4),
        fixed(s.cod, COD_DIGITS),
        fixed(s.prd, PRD_DIGITS),
        fixed(s.prb, RATIO_DIGITS),
        ...blank(RATIO_HEADER.length - 13),
      ]);
    }
  }
  return out;
}

function strataRows(strata: readonly RatioStratum[], trimFactor: number | undefined, values?: string): string {
  const lead: Cell[] = values === undefined ? [] : [values];
  let out = '';
  for (const s of strata) {
    const [stratum, group] = groupCells(s.group);
    const stats = (label: string, x: RatioStatistics, trimmed: boolean): Cell[] => [
      stratum,
      group,
      label,
      x.n,
      trimmed ? s.trimmed_count : null,
      fixed(x.median, RATIO_DIGITS),
      fixed(x.median_ci?.[0], RATIO_DIGITS),
      fixed(x.median_ci?.[1], RATIO_DIGITS),
      fixed(x.mean, RATIO_DIGITS),
      fixed(x.weighted_mean, RATIO_DIGITS),
      fixed(x.cod, COD_DIGITS),
      fixed(x.prd, PRD_DIGITS),
      fixed(x.prb, RATIO_DIGITS),
      fixed(x.prb_ci?.[0], RATIO_DIGITS),
      fixed(x.prb_ci?.[1], RATIO_DIGITS),
      fixed(x.mki, RATIO_DIGITS),
      fixed(x.ki, RATIO_DIGITS),
      // The bootstrap intervals are of the trimmed sample.
      ...(trimmed && s.bootstrap
        ? [
            fixed(s.bootstrap.cod_ci?.[0], COD_DIGITS),
            fixed(s.bootstrap.cod_ci?.[1], COD_DIGITS),
            fixed(s.bootstrap.prd_ci?.[0], PRD_DIGITS),
            fixed(s.bootstrap.prd_ci?.[1], PRD_DIGITS),
            fixed(s.bootstrap.mki_ci?.[0], RATIO_DIGITS),
            fixed(s.bootstrap.mki_ci?.[1], RATIO_DIGITS),
          ]
        : new Array<null>(6).fill(null)),
    ];
    // The compliance flags judge the trimmed sample, so they appear on its row only.
    const f = s.flags;
    out += csvRow([
      ...lead,
      ...stats('Untrimmed', s.untrimmed, false),
      ...new Array<null>(FLAG_COLUMNS).fill(null),
      s.warnings.join('; '),
    ]);
    const chasing = s.sales_chasing;
    out += csvRow([
      ...lead,
      ...stats(`Trimmed (IQR x ${trimFactor ?? 1.5})`, s.trimmed, true),
      f.median_ok,
      `${f.cod_range[0]}-${f.cod_range[1]} (${f.cod_class})`,
      f.cod_ok,
      f.prd_ok,
      f.prb_ok,
      f.prb_significant,
      f.compliant,
      f.mki_ok,
      chasing?.cdf_gap.verdict,
      chasing?.distribution.verdict,
      chasing ? (chasing.sold_unsold?.verdict ?? 'no prior values') : null,
      chasing?.verdict,
      s.warnings.join('; '),
    ]);
  }
  return out;
}

const ROLL_FIELDS: [keyof RollSums, string][] = [
  ['parcel_count', 'Parcels'],
  ['land_value', 'Land value'],
  ['improvement_value', 'Improvement value'],
  ['total_value', 'Total value'],
];

function assessmentRollCsv(result: AssessmentRollResult): string {
  const header: string[] = ['Grouping', 'Group', 'Tax year'];
  for (const [, label] of ROLL_FIELDS) header.push(label);
  for (const [, label] of ROLL_FIELDS) header.push(`Prior-year ${label.toLowerCase()}`);
  for (const [, label] of ROLL_FIELDS)
    header.push(`Change in ${label.toLowerCase()}`, `Change in ${label.toLowerCase()} (%)`);
  let out = csvRow(header);
  const row = (g: RollGroup, whole: string) => {
    const entries = Object.entries(g.group);
    const [grouping, value] =
      entries.length === 0 ? ['Overall', whole] : [GROUPING_NAMES[entries[0][0]], entries[0][1]];
    const cells: Cell[] = [grouping, value, result.tax_year];
    for (const [f] of ROLL_FIELDS) cells.push(g[f]);
    for (const [f] of ROLL_FIELDS) cells.push(g.prior?.[f]);
    for (const [f] of ROLL_FIELDS) {
      const c = g.change?.[f];
      cells.push(c?.absolute, c?.percent === null || c?.percent === undefined ? null : c.percent * 100);
    }
    out += csvRow(cells);
  };
  row(result.overall, 'All parcels');
  for (const g of result.by_property_class) row(g, '');
  for (const g of result.by_neighborhood) row(g, '');
  return out;
}
