import { describe, expect, it } from '@jest/globals';
import { median, sortedMedian } from './order-statistics.js';

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
