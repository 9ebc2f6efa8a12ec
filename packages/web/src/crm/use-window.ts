import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';

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

/**
 * Windowed rendering of a scrolling list of fixed-height rows: only the rows in view (and a
 * few each side) are in the DOM, so a list of 100,000 rows scrolls like one of 50. Returns
 * the range to render and a ref for the scrolling element.
 */
export function useWindow(options: { count: number; rowHeight: number; overscan?: number }): {
  ref: RefObject<HTMLDivElement | null>;
  range: WindowRange;
} {
  const { count, rowHeight, overscan = 10 } = options;
  const ref = useRef<HTMLDivElement | null>(null);
  const [view, setView] = useState({ scrollTop: 0, viewport: 600 });

  const measure = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    setView((current) =>
      current.scrollTop === el.scrollTop && current.viewport === el.clientHeight
        ? current
        : { scrollTop: el.scrollTop, viewport: el.clientHeight },
    );
  }, []);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let frame = 0;
    const onScroll = () => {
      if (frame === 0) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          measure();
        });
      }
    };
    measure();
    el.addEventListener('scroll', onScroll, { passive: true });
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      observer.disconnect();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [measure]);

  return { ref, range: windowOf({ count, rowHeight, overscan, ...view }) };
}
