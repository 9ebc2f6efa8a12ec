import type { StepRecord } from './store.js';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeCompactJournal, encodeCompactJournal } from './compact-journal.js';

function roundTrip(input: unknown, steps: StepRecord[]): StepRecord[] {
  const text = encodeCompactJournal(input, steps);
  return decodeCompactJournal('x', JSON.parse(JSON.stringify(input ?? null)), JSON.parse(text));
}

function step(key: string, extra: Partial<StepRecord> = {}): StepRecord {
  return { executionId: 'x', key, nodeId: key, status: 'succeeded', attempt: 1, ...extra };
}

describe('compact journal', () => {
  test('writes a payload once and references it where the same object repeats', () => {
    const envelope = { body: { n: 1 }, headers: { host: 'h' } };
    const calc = { n: 2 };
    const steps = [
      step('hook', { output: envelope }),
      step('calc', { input: envelope, output: calc }),
      step('next', { input: calc, output: { done: true } }),
    ];
    const text = encodeCompactJournal(envelope, steps);
    // The envelope is the row's input column: the journal only points at it.
    expect(text).not.toContain('"host"');
    expect(text).not.toContain('executionId');
    expect(text).toContain('"o":"$input"');
    expect(text).toContain('"i":"calc.o"');
    expect(roundTrip(envelope, steps)).toEqual(steps);
  });

  test('reads the version 1 format (a plain array of step records)', () => {
    const steps = [step('a', { output: 1 })];
    expect(decodeCompactJournal('x', undefined, JSON.parse(JSON.stringify(steps)))).toEqual(steps);
  });

  test('an unknown reference is an error, not a silent undefined', () => {
    expect(() =>
      decodeCompactJournal('x', undefined, { v: 2, steps: [{ key: 'a', i: 'ghost.o' }] }),
    ).toThrow(/ghost\.o/);
  });

  test('property: decode(encode(steps)) equals the steps, whatever is shared', () => {
    const payload = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 2 }),
      fc.nat({ max: 20 }).map((n) => ({ shared: n })),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z.[\]/0-9]{1,6}$/), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(payload, payload), { minLength: 6, maxLength: 6 }),
        fc.array(fc.nat({ max: 30 }), { minLength: 12, maxLength: 12 }),
        (keys, payloads, picks) => {
          // A pool of objects so that some steps share the very same instance.
          const pool: unknown[] = [{ root: true }];
          const take = (value: unknown, pick: number): unknown => {
            if (pick % 3 === 0 && pool.length > 0) return pool[pick % pool.length];
            if (typeof value === 'object' && value !== null) pool.push(value);
            return value;
          };
          const steps = keys.map((key, index) => {
            const [input, output] = payloads[index]!;
            const record = step(key);
            const i = take(input, picks[index * 2]!);
            const o = take(output, picks[index * 2 + 1]!);
            if (i !== undefined) record.input = i as never;
            if (o !== undefined) record.output = o as never;
            return record;
          });
          const expected = JSON.parse(JSON.stringify(steps)) as StepRecord[];
          expect(roundTrip(pool[0], steps)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
