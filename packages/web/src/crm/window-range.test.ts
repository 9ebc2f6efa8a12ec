import { describe, expect, test } from 'vitest';
import { windowOf } from './window-range';

describe('windowOf', () => {
  test.each([
    // count, scrollTop, viewport -> start, end
    [0, 0, 600, 0, 0],
    [10, 0, 600, 0, 10],
    [100_000, 0, 360, 0, 20],
    [100_000, 36_000, 360, 990, 1020],
    [100_000, 3_600_000 - 360, 360, 99_980, 100_000],
    [100_000, 9_999_999, 360, 100_000, 100_000],
    [100_000, -50, 360, 0, 20],
  ])('%i rows scrolled to %i in %i px: rows [%i, %i)', (count, scrollTop, viewport, start, end) => {
    const range = windowOf({ count, rowHeight: 36, scrollTop, viewport, overscan: 10 });
    expect([range.start, range.end]).toEqual([start, end]);
    expect(range.before).toBe(start * 36);
    expect(range.after).toBe((count - end) * 36);
  });

  test('the window stays small whatever the length of the list', () => {
    for (const count of [1_000, 100_000, 10_000_000]) {
      const range = windowOf({
        count,
        rowHeight: 36,
        scrollTop: count * 18,
        viewport: 900,
        overscan: 10,
      });
      expect(range.end - range.start).toBeLessThanOrEqual(Math.ceil(900 / 36) + 20);
      expect(range.before + (range.end - range.start) * 36 + range.after).toBe(count * 36);
    }
  });
});
