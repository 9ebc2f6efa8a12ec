// eslint-disable-next-line no-restricted-imports -- tests run in Node; the engine does the same there
import { setFlagsFromString } from 'node:v8';
import { describe, expect, test } from 'vitest';
import { BoundedRegExp } from './bounded-regex.js';
import { ExpressionError } from './expression-error.js';
import { evaluateExpression, type ExpressionScope } from './expressions.js';

// What the engine does in Node (enableLinearRegExp); these tests run where it is on.
setFlagsFromString('--enable-experimental-regexp-engine');

/** Inputs on which a backtracking engine takes astronomically long for the patterns below. */
const EVIL = `${'a'.repeat(64)}!`;

const scope = (input: unknown): ExpressionScope =>
  ({ trigger: null, steps: {}, input, vars: {} }) as unknown as ExpressionScope;

describe('BoundedRegExp', () => {
  test.each([
    ['(a+)+$'],
    ['^(a|a)*$'],
    ['^(a|aa)+$'],
    ['(\\w+\\s?)+$'],
    ['^(([a-z])+.)+[A-Z]([a-z])+$'],
  ])('catastrophic pattern %s runs in linear time', (source) => {
    const re = new BoundedRegExp(source);
    // On the backtracking engine, each of these takes longer than the test's time limit.
    expect(re.test(EVIL)).toBe(false);
    expect(re.test('aaaa')).toBe(source !== '^(([a-z])+.)+[A-Z]([a-z])+$');
  });

  test('a pattern that needs backtracking runs when it has no nested repetition', () => {
    const backreference = new BoundedRegExp('^(\\w)\\1$');
    expect(backreference.test('aa')).toBe(true);
    expect(backreference.test('ab')).toBe(false);
    const caseless = new BoundedRegExp('^gold|silver$', 'i');
    expect(caseless.test('GOLD')).toBe(true);
    expect(new BoundedRegExp('(?=\\d)\\d+').exec('cost 42')?.[0]).toBe('42');
  });

  test.each([
    ['(a+)+\\1', ''],
    ['^(\\w+\\s?)+$', 'i'],
    ['(?=x)(a*)*b', ''],
    ['^([a-z]+\\d*)+$', 'u'],
  ])('%s with flags "%s" is refused, naming the pattern', (source, flags) => {
    let error: unknown;
    try {
      new BoundedRegExp(source, flags);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'UNSAFE_PATTERN' });
    expect((error as Error).message).toContain(`/${source}/${flags}`);
    expect((error as Error).message).toMatch(/exponential time/);
  });

  test('a pattern that does not parse is a SyntaxError', () => {
    expect(() => new BoundedRegExp('(unclosed')).toThrow(SyntaxError);
  });

  test('global matching keeps the linear engine (String.prototype methods use the species)', () => {
    const re = new BoundedRegExp('(a+)+b', 'g');
    expect('aab xab ab'.match(re)).toEqual(['aab', 'ab', 'ab']);
    expect('aab-ab'.replace(re, '#')).toBe('#-#');
    expect(EVIL.split(new BoundedRegExp('(?:a+)+!'))).toEqual(['', '']);
  });
});

describe('regular expressions in JSONata', () => {
  test('a catastrophic regex literal runs in linear time in $match, $contains, $replace, $split', async () => {
    const run = (expression: string) => evaluateExpression(expression, scope(EVIL));
    expect(await run('$contains($input, /(a+)+$/)')).toBe(false);
    expect(await run('$match($input, /(a+)+$/)')).toBeNull();
    expect(await run('$replace($input, /(a|aa)+!/, "x")')).toBe('x');
    expect(await run('$count($split($input, /(a+)+!/))')).toBe(2);
  });

  test('an unsafe regex literal fails the expression with an error naming it', async () => {
    const failure = await evaluateExpression('$contains($input, /(a+)+\\1/)', scope(EVIL), {
      nodeName: 'Check',
      path: '/params/condition',
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ExpressionError);
    expect(String((failure as Error).message)).toMatch(/\/\(a\+\)\+\\1\/.*exponential time/);
    expect(String((failure as Error).message)).toContain('Check');
  });

  test('case-insensitive literals without nested repetition still work', async () => {
    expect(await evaluateExpression('$contains("GOLD tier", /gold/i)', scope(null))).toBe(true);
  });
});
