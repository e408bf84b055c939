import { describe, expect, it } from '@jest/globals';
import { assessmentRoll } from './assessment-roll.js';
import { csvCell, reportToCsv } from './report-csv.js';
import type { RollGroupRow } from './reporting.repository.js';
import { ratioStudyStrata } from './ratio-study/ratio-study.js';

describe('csvCell', () => {
  it('neutralises text cells that a spreadsheet would read as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('\rcmd')).toBe(`"'\rcmd"`);
    expect(csvCell('Old Town')).toBe('Old Town');
  });

  it('quotes per RFC 4180 and writes numbers, booleans and nulls plainly', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(-0.119837)).toBe('-0.119837');
    expect(csvCell(true)).toBe('yes');
    expect(csvCell(false)).toBe('no');
    expect(csvCell(null)).toBe('');
    expect(csvCell(NaN)).toBe('');
  });
});

describe('reportToCsv', () => {
  it('writes a ratio study as one row per stratum and sample under a readable header', () => {
    const strata = ratioStudyStrata(
      {
        estimate: Float64Array.from([90, 100, 110, 95, 105, 100, 300]),
        price: Float64Array.from([100, 100, 100, 100, 100, 100, 100]),
        propertyClass: new Int32Array(7),
        classLabels: ['residential'],
        neighborhood: Int32Array.from([0, 0, 0, 1, 1, 1, 1]),
        neighborhoodLabels: ['=cmd|calc', 'Old Town, East'],
      },
      ['neighborhood'],
    );
    const csv = reportToCsv({ report_type: 'ratio_study', trim_factor: 1.5, strata });
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'Stratum,Group,Sample,Sales,Outliers trimmed,Median ratio,Median 95% CI low,Median 95% CI high,Mean ratio,' +
        'Weighted mean ratio,COD,PRD,PRB,PRB 95% CI low,PRB 95% CI high,MKI,KI,COD 95% CI low (bootstrap),' +
        'COD 95% CI high (bootstrap),PRD 95% CI low (bootstrap),PRD 95% CI high (bootstrap),' +
        'MKI 95% CI low (bootstrap),MKI 95% CI high (bootstrap),Median within 0.90-1.10,COD range,' +
        'COD within range,PRD within 0.98-1.03,PRB within ±0.05,PRB significant,Meets IAAO standards,' +
        'MKI within 0.95-1.05,Sales chasing: CDF gap,Sales chasing: distribution,Sales chasing: sold vs unsold,' +
        'Sales chasing verdict,Warnings',
    );
    expect(lines).toHaveLength(1 + 3 * 2 + 1); // header, 3 strata × 2 samples, trailing empty
    expect(lines[1].startsWith('Overall,All sales,Untrimmed,7,,1,')).toBe(true);
    expect(lines[2].startsWith('Overall,All sales,Trimmed (IQR x 1.5),6,1,1,')).toBe(true);
    expect(lines[3].startsWith("Neighborhood,'=cmd|calc,Untrimmed,3,")).toBe(true);
    expect(lines[5].startsWith('Neighborhood,"Old Town, East",Untrimmed,4,')).toBe(true);
    expect(lines[2]).toContain(',5-15 (residential),');
    // Rounded as an assessor reads them: ratios 4 decimals, COD 2, PRD 3 (the JSON keeps full precision).
    const overall = strata[0].untrimmed;
    const cells = lines[1].split(',');
    expect(cells.slice(5, 13)).toEqual(
      [
        overall.median,
        overall.median_ci?.[0],
        overall.median_ci?.[1],
        overall.mean,
        overall.weighted_mean,
        overall.cod,
        overall.prd,
        overall.prb,
      ].map((v, i) => (v === null || v === undefined ? '' : String(Number(v.toFixed([4, 4, 4, 4, 4, 2, 3, 4][i]))))),
    );
    expect(overall.mean).toBeCloseTo(1.2857142857, 9);
    expect(cells[8]).toBe('1.2857');
    expect(overall.mki).toBeNull(); // every price the same: no spread for a Gini index
    expect(cells[15]).toBe('');
    // The flags, the MKI range and the chasing verdicts are on the trimmed row (7 sales: too few to judge).
    const trimmedCells = lines[2].split(',');
    expect(trimmedCells.slice(-6)).toEqual([
      '',
      'too few sales to judge',
      'too few sales to judge',
      'no prior values',
      'too few sales to judge',
      trimmedCells.at(-1),
    ]);
    expect(trimmedCells).toHaveLength(lines[0].split(',').length);
  });

  it('writes the roll with prior-year figures and changes', () => {
    const rows: RollGroupRow[] = [
      {
        grouping: 'overall',
        value: null,
        tax_year: 2025,
        parcel_count: 3,
        land_value: 300,
        improvement_value: 600,
        total_value: 900,
      },
      {
        grouping: 'overall',
        value: null,
        tax_year: 2024,
        parcel_count: 3,
        land_value: 300,
        improvement_value: 500,
        total_value: 800,
      },
      {
        grouping: 'property_class',
        value: 'residential',
        tax_year: 2025,
        parcel_count: 3,
        land_value: 300,
        improvement_value: 600,
        total_value: 900,
      },
      {
        grouping: 'property_class',
        value: 'residential',
        tax_year: 2024,
        parcel_count: 3,
        land_value: 300,
        improvement_value: 500,
        total_value: 800,
      },
      {
        grouping: 'neighborhood',
        value: '@North',
        tax_year: 2025,
        parcel_count: 3,
        land_value: 300,
        improvement_value: 600,
        total_value: 900,
      },
    ];
    const roll = assessmentRoll('c', 2025, rows)!;
    expect(roll.overall.change!.total_value).toEqual({ absolute: 100, percent: 0.125 });
    expect(roll.overall.change!.land_value).toEqual({ absolute: 0, percent: 0 });
    expect(roll.by_neighborhood[0].prior).toBeNull();
    const lines = reportToCsv(roll as never).split('\r\n');
    expect(lines[0]).toBe(
      'Grouping,Group,Tax year,Parcels,Land value,Improvement value,Total value,Prior-year parcels,' +
        'Prior-year land value,Prior-year improvement value,Prior-year total value,Change in parcels,' +
        'Change in parcels (%),Change in land value,Change in land value (%),Change in improvement value,' +
        'Change in improvement value (%),Change in total value,Change in total value (%)',
    );
    expect(lines[1]).toBe('Overall,All parcels,2025,3,300,600,900,3,300,500,800,0,0,0,0,100,20,100,12.5');
    expect(lines[2]).toBe('Property class,residential,2025,3,300,600,900,3,300,500,800,0,0,0,0,100,20,100,12.5');
    expect(lines[3]).toBe("Neighborhood,'@North,2025,3,300,600,900,,,,,,,,,,,,");
  });

  it('has no layout for other results', () => {
    expect(() => reportToCsv({ report_type: 'price_trend' })).toThrow(TypeError);
  });
});

describe('assessmentRoll', () => {
  it('is null without values of the tax year', () => {
    expect(assessmentRoll('c', 2025, [])).toBeNull();
  });
});
