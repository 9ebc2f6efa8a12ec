/** The slice of a long list to render: indexes `[start, end)` and the spacer heights. */
export interface WindowRange {
  start: number;
  end: number;
  /** Height of the rows above the window (the top spacer). */
  before: number;
  /** Height of the rows below the window (the bottom spacer). */
  after: number;
}

/**
 * Which rows of `count` fixed-height rows are visible in `viewport` (plus `overscan` rows
 * each side). Pure, so the windowing hook and its callers agree on the arithmetic.
 */
export function windowOf(input: {
  count: number;
  rowHeight: number;
  scrollTop: number;
  viewport: number;
  overscan: number;
}): WindowRange {
  const { count, rowHeight, scrollTop, viewport, overscan } = input;
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.min(count, first + Math.ceil(viewport / rowHeight) + overscan);
  return { start, end, before: start * rowHeight, after: Math.max(0, count - end) * rowHeight };
}
