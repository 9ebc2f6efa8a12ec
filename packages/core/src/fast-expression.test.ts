import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileExpression } from './expression-cache.js';
import { BAIL } from './fast-expression.js';

const limits = { timeoutMs: 1000, maxDepth: 200 };

/** JSON text round trip: drops JSONata's sequence flags and compares -0 as 0. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

const data: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 0.1, 1e21, '', 'x', '10'),
    fc.integer({ min: -50, max: 50 }),
    fc.string({ maxLength: 4 }),
    fc.constantFrom(' a  b\n', 'Straße', 'İx', '😀é'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.record({ a: tie('value'), b: tie('value') }, { requiredKeys: [] }),
  ),
})).value;

const leaf = fc.oneof(
  fc.integer({ min: -100, max: 100 }).map(String),
  fc
    .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
    .map((n) => JSON.stringify(n)),
  fc.string({ maxLength: 5 }).map((s) => JSON.stringify(s)),
  fc.constantFrom(
    'true',
    'false',
    'null',
    '$v',
    '$v.a',
    '$v.a.b',
    '$w',
    '$w.b',
    '$missing',
    'a',
    'a.b',
    '$string',
  ),
);

const expression: fc.Arbitrary<string> = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .tuple(
        tie('expr'),
        fc.constantFrom('+', '-', '*', '/', '%', '=', '!=', '<', '<=', '>', '>=', '&', 'and', 'or'),
        tie('expr'),
      )
      .map(([l, op, r]) => `(${l}) ${op} (${r})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, t, e]) => `(${c}) ? (${t}) : (${e})`),
    fc.tuple(tie('expr'), tie('expr')).map(([c, t]) => `(${c}) ? (${t})`),
    tie('expr').map((x) => `-(${x})`),
    fc
      .tuple(fc.constantFrom('uppercase', 'lowercase', 'trim', 'length'), tie('expr'))
      .map(([name, x]) => `$${name}(${x})`),
  ),
})).expr;

describe('compileFast', () => {
  test('agrees with JSONata whenever it does not hand over', async () => {
    let fastRuns = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(expression, data, data, data, async (source, v, w, input) => {
        const compiled = compileExpression(source, limits);
        expect(compiled.fast, source).toBeDefined();
        const bindings = { v, w, input };
        let fastResult: unknown;
        let bailed = false;
        try {
          fastResult = compiled.fast!(bindings);
        } catch (error) {
          if (error !== BAIL) throw error;
          bailed = true;
        }
        let jsonataResult: unknown;
        let jsonataError: unknown;
        try {
          jsonataResult = await compiled.expression.evaluate(input, bindings);
        } catch (error) {
          jsonataError = error;
        }
        runs++;
        if (bailed) return;
        fastRuns++;
        expect(jsonataError, source).toBeUndefined();
        expect(plain(fastResult), source).toEqual(plain(jsonataResult));
      }),
      { numRuns: 500 },
    );
    expect(fastRuns / runs).toBeGreaterThan(0.3);
  });

  test('deep trees are left to JSONata and its depth limit', async () => {
    const source = `${'('.repeat(100)}1${' + 1)'.repeat(100)}`;
    const compiled = compileExpression(source, limits);
    expect(compiled.fast).toBeUndefined();
    await expect(compiled.expression.evaluate(undefined, {})).rejects.toMatchObject({
      code: 'D1011',
    });
    expect(compileExpression(`${'('.repeat(30)}1${' + 1)'.repeat(30)}`, limits).fast?.({})).toBe(
      31,
    );
  });

  test.each([
    '$sum($v)',
    '$v[0]',
    '$v.a[b = 1]',
    '$f := 1',
    'function($x){ $x }',
    '$v.*',
    '$v.a.$w',
    '[1, 2]',
    '{"a": 1}',
    '$',
  ])('%s is left to JSONata', (source) => {
    expect(compileExpression(source, limits).fast).toBeUndefined();
  });
});
