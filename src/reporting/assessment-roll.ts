// The assessment roll summary: parcel counts and sums of land, improvement and total value of a tax year, overall,
// by property class and by neighborhood, each with the change against the prior year where the prior roll has it.
// Groups use the parcels' current class and neighborhood for both years.
import type { RollGroupRow } from './reporting.repository.js';

export type RollGrouping = 'property_class' | 'neighborhood';

export interface RollSums {
  parcel_count: number;
  land_value: number;
  improvement_value: number;
  total_value: number;
}

export interface Change {
  absolute: number;
  /** Relative change (0.05 = +5 %); null when the prior figure is 0. */
  percent: number | null;
}

export interface RollGroup extends RollSums {
  group: Partial<Record<RollGrouping, string>>;
  prior: RollSums | null;
  change: Record<keyof RollSums, Change> | null;
}

export interface AssessmentRollResult {
  report_type: 'assessment_roll';
  county_id: string;
  tax_year: number;
  prior_year: number;
  /** Whether the prior year's roll has any values for the county. */
  prior_year_available: boolean;
  overall: RollGroup;
  by_property_class: RollGroup[];
  by_neighborhood: RollGroup[];
}

const FIELDS: (keyof RollSums)[] = ['parcel_count', 'land_value', 'improvement_value', 'total_value'];

function sums(r: RollGroupRow): RollSums {
  return {
    parcel_count: r.parcel_count,
    land_value: round2(r.land_value),
    improvement_value: round2(r.improvement_value),
    total_value: round2(r.total_value),
  };
}

/** Cents: the sums come back as float8 and must not show binary noise. */
function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function change(current: RollSums, prior: RollSums): Record<keyof RollSums, Change> {
  const out = {} as Record<keyof RollSums, Change>;
  for (const f of FIELDS) {
    out[f] = {
      absolute: round2(current[f] - prior[f]),
      percent: prior[f] !== 0 ? (current[f] - prior[f]) / prior[f] : null,
    };
  }
  return out;
}

/** Builds the report from the repository's grouped rows of `taxYear` and `taxYear − 1`; null without any value. */
export function assessmentRoll(
  countyId: string,
  taxYear: number,
  rows: readonly RollGroupRow[],
): AssessmentRollResult | null {
  const key = (grouping: string, value: string | null) => `${grouping}\u0000${value ?? ''}`;
  const current = new Map<string, RollGroupRow>();
  const prior = new Map<string, RollGroupRow>();
  for (const r of rows) {
    if (r.tax_year === taxYear) current.set(key(r.grouping, r.value), r);
    else if (r.tax_year === taxYear - 1) prior.set(key(r.grouping, r.value), r);
  }
  const overallRow = current.get(key('overall', null));
  if (!overallRow || overallRow.parcel_count === 0) return null;

  const build = (r: RollGroupRow, group: RollGroup['group']): RollGroup => {
    const now = sums(r);
    const before = prior.get(key(r.grouping, r.value));
    const was = before && before.parcel_count > 0 ? sums(before) : null;
    return { group, ...now, prior: was, change: was ? change(now, was) : null };
  };
  const list = (grouping: RollGrouping) =>
    [...current.values()]
      .filter((r) => r.grouping === grouping)
      .sort((a, b) => ((a.value ?? '') < (b.value ?? '') ? -1 : 1))
      .map((r) => build(r, { [grouping]: r.value ?? '' }));

  return {
    report_type: 'assessment_roll',
    county_id: countyId,
    tax_year: taxYear,
    prior_year: taxYear - 1,
    prior_year_available: (prior.get(key('overall', null))?.parcel_count ?? 0) > 0,
    overall: build(overallRow, {}),
    by_property_class: list('property_class'),
    by_neighborhood: list('neighborhood'),
  };
}
