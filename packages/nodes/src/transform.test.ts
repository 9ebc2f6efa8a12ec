import { describe, expect, test } from 'vitest';
import { NonRetriableError, testNode } from '@flowstate/sdk';
import { logNode } from './log.js';
import { jsonataTransform } from './transform-jsonata.js';
import { setFields, setPath } from './transform-set.js';

describe('transform.set', () => {
  test('merges fields over the input by default', async () => {
    const result = await testNode(setFields, {
      params: { fields: { b: 2, a: 0 } },
      input: { a: 1, c: 3 },
    });
    expect(result).toMatchObject({ port: 'out', output: { a: 0, b: 2, c: 3 } });
  });

  test('keepInput false starts from an empty object', async () => {
    const result = await testNode(setFields, {
      params: { fields: { b: 2 }, keepInput: false },
      input: { a: 1 },
    });
    expect(result.output).toEqual({ b: 2 });
  });

  test('a non-object input is not kept', async () => {
    expect(
      (await testNode(setFields, { params: { fields: { b: 2 } }, input: [1, 2] })).output,
    ).toEqual({ b: 2 });
  });

  test('dotted names set nested paths without mutating the input', async () => {
    const input = { customer: { name: 'Ada', email: 'old@x' }, tags: 'x' };
    const result = await testNode(setFields, {
      params: { fields: { 'customer.email': 'ada@x', 'tags.first': 1, 'a.b.c': true } },
      input,
    });
    expect(result.output).toEqual({
      customer: { name: 'Ada', email: 'ada@x' },
      tags: { first: 1 },
      a: { b: { c: true } },
    });
    expect(input.customer.email).toBe('old@x');
  });

  test.each([['a..b'], ['.a'], ['a.'], ['__proto__.polluted'], ['a.constructor']])(
    'rejects field %j',
    (field) => {
      expect(() => setPath({}, field, 1)).toThrow(NonRetriableError);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    },
  );

  test('is pure', () => expect(setFields.sideEffects).toBe(false));
});

describe('transform.jsonata', () => {
  test('outputs the expression over $input', async () => {
    const result = await testNode(jsonataTransform, {
      params: { expression: '$sum($input.items.price)' },
      input: { items: [{ price: 2 }, { price: 3 }] },
    });
    expect(result).toMatchObject({ port: 'out', output: 5 });
  });

  test('is a raw param and pure', () => {
    expect(jsonataTransform.rawParams).toEqual(['expression']);
    expect(jsonataTransform.sideEffects).toBe(false);
  });

  test('an empty expression is invalid', async () => {
    await expect(testNode(jsonataTransform, { params: { expression: '' } })).rejects.toThrow(
      /expression/,
    );
  });
});

describe('log', () => {
  test('logs at the level and passes the input through', async () => {
    const result = await testNode(logNode, {
      params: { message: 'hi', level: 'warn', data: { n: 1 } },
      input: 'in',
    });
    expect(result).toMatchObject({ port: 'out', output: 'in' });
    expect(result.logs).toEqual([{ level: 'warn', message: 'hi', data: { n: 1 } }]);
  });

  test('defaults to info and wraps non-object data', async () => {
    expect((await testNode(logNode, { params: { message: 'm' } })).logs).toEqual([
      { level: 'info', message: 'm' },
    ]);
    expect(
      (await testNode(logNode, { params: { message: 'm', data: [1] } })).logs[0]?.data,
    ).toEqual({ data: [1] });
  });

  test('rejects an unknown level; has side effects', async () => {
    await expect(testNode(logNode, { params: { message: 'm', level: 'trace' } })).rejects.toThrow(
      /level/,
    );
    expect(logNode.sideEffects).toBe(true);
  });
});
