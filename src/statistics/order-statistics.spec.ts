import { describe, expect, it } from '@jest/globals';
import { median, sortedMedian, stableArgsort } from './order-statistics.js';

describe('median', () => {
  it('takes medians of odd and even counts without reordering the input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(sortedMedian([1, 2, 3, 10, 20], 1, 5)).toBe(6.5);
  });
});

describe('stableArgsort', () => {
  it('orders by value, ties by index, NaN last', () => {
    expect([...stableArgsort([3, 1, NaN, 2, 1, 3])]).toEqual([1, 4, 3, 0, 5, 2]);
    const values = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 101);
    const expected = values.map((_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
    expect([...stableArgsort(values)]).toEqual(expected);
  });
});
