import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { computeScore, DEFAULT_SCORE_EXPRESSION } from './scoring.js';

const now = Date.parse('2030-01-10T00:00:00Z');
const contact = (extra: Record<string, unknown> = {}) => ({
  id: 'c',
  name: 'C',
  email: null,
  phone: null,
  custom: {},
  ...extra,
});
const activity = (kind: string, daysAgo: number) => ({
  kind,
  occurredAt: now - daysAgo * 86_400_000,
});

describe('lead score', () => {
  test.each([
    ['an empty profile', contact(), [], 0],
    ['email and phone', contact({ email: 'a@b.c', phone: '1' }), [], 20],
    ['a stated motivation', contact({ custom: { motivation: 'x' } }), [], 20],
    ['an old call', contact(), [activity('call', 30)], 10],
    ['a recent meeting', contact(), [activity('meeting', 1)], 25],
    [
      'capped at 100',
      contact({ email: 'a', phone: 'b' }),
      Array.from({ length: 9 }, () => activity('meeting', 1)),
      100,
    ],
  ])('%s scores %d', async (_, c, activities, expected) => {
    expect(
      await computeScore(DEFAULT_SCORE_EXPRESSION, { contact: c, activities, tasks: [], now }),
    ).toBe(expected);
  });

  test('more activity never lowers the default score, and it stays within 0..100', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom('note', 'call', 'email', 'meeting'),
            days: fc.integer({ min: 0, max: 60 }),
          }),
          { maxLength: 12 },
        ),
        fc.constantFrom('note', 'call', 'email', 'meeting'),
        async (list, extra) => {
          const base = list.map((a) => activity(a.kind, a.days));
          const before = await computeScore(DEFAULT_SCORE_EXPRESSION, {
            contact: contact(),
            activities: base,
            tasks: [],
            now,
          });
          const after = await computeScore(DEFAULT_SCORE_EXPRESSION, {
            contact: contact(),
            activities: [...base, activity(extra, 0)],
            tasks: [],
            now,
          });
          return before >= 0 && after <= 100 && after >= before;
        },
      ),
      { numRuns: 50 },
    );
  });

  test.each([
    ['contact.name', /must give a number/],
    ['$$$(', /failed/],
  ])('%s is refused', async (expression, message) => {
    await expect(
      computeScore(expression, { contact: contact(), activities: [], tasks: [], now }),
    ).rejects.toThrow(message);
  });
});
