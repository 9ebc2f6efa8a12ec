import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { windowOf, type WindowRange } from './window-range';

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
