import { FlowstateError } from '@flowstate/core';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;

/**
 * Parses a human duration such as `90s`, `5m`, `1h30m`, `2d` or `1w 2d` into milliseconds.
 * Throws a `FlowstateError` with code `INVALID_DURATION` for anything else.
 */
export function parseDuration(text: string): number {
  const source = text.trim();
  let total = 0;
  let consumed = 0;
  PART.lastIndex = 0;
  for (let match = PART.exec(source); match !== null; match = PART.exec(source)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    consumed = PART.lastIndex;
    while (source[PART.lastIndex] === ' ') PART.lastIndex += 1;
  }
  if (source === '' || consumed !== source.length) {
    throw new FlowstateError(
      'INVALID_DURATION',
      `"${text}" is not a duration; use numbers with units ms, s, m, h, d, w, e.g. "5m" or "1h30m"`,
    );
  }
  return Math.round(total);
}
