import { describe, expect, it } from '@jest/globals';
import { planSpecialValues } from './sql-import.js';

const records = (list: [number, number][]) => ({
  ordinals: Int32Array.from(list, ([o]) => o),
  masks: Int32Array.from(list, ([, m]) => m),
});

describe('planSpecialValues', () => {
  it('reads a column plainly without special values, per row with a few, fully with many', () => {
    // Ten rows; b is special in row 1, c in rows 2–8, every field of row 9 (a NUL inside).
    const specials = records([[1, 0b010], ...[2, 3, 4, 5, 6, 7, 8].map((o): [number, number] => [o, 0b100]), [9, -1]]);
    const plan = planSpecialValues(['a', 'b', 'c'], specials, 10);
    expect(plan.counts).toEqual({ a: 1, b: 2, c: 8 });
    expect(['a', 'b', 'c'].map((c) => plan.special(c))).toEqual([
      { mode: 'some', bit: 0b001 },
      { mode: 'some', bit: 0b010 },
      { mode: 'all', bit: 0b100 },
    ]);
    expect(plan.joined).toBe(true);
    // Rows special only in c (read fully anyway) are not looked up per row.
    expect(Array.from(plan.perRow.ordinals)).toEqual([1, 9]);
    expect(Array.from(plan.perRow.masks)).toEqual([0b010, -1]);
  });

  it('needs no per-row lookup when every column is all or nothing', () => {
    const plan = planSpecialValues(['a', 'b'], records([1, 2, 3].map((o): [number, number] => [o, 0b10])), 4);
    expect([plan.special('a').mode, plan.special('b').mode]).toEqual(['none', 'all']);
    expect(plan.joined).toBe(false);
    expect(plan.perRow.ordinals).toHaveLength(0);
    expect(planSpecialValues(['a'], records([]), 5).special('a').mode).toBe('none');
    expect(planSpecialValues(['a'], records([]), 5).special('unknown').mode).toBe('all');
  });
});
