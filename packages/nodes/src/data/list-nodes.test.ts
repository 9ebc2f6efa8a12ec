import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { NonRetriableError, testNode, type JsonValue, type NodeType } from '@flowstate/sdk';
import { dataAggregate } from './aggregate.js';
import { dataDedupe, dedupe } from './dedupe.js';
import { dataFilter } from './filter.js';
import { dataSort } from './sort.js';
import { dataSplit, toBatches } from './split.js';
import { getField } from './items.js';

const people: Array<Record<string, JsonValue> & { name: string }> = [
  { name: 'Ada', age: 36, country: 'UK', email: 'ada@x.org' },
  { name: 'bob', age: 17, country: 'DE', email: 'BOB@x.org' },
  { name: 'Cleo', age: null, country: 'UK', email: 'bob@x.org' },
  { name: 'dan', age: 52, country: 'FR' },
];

async function output(
  node: Parameters<typeof testNode>[0],
  params: object,
  input: JsonValue = people,
) {
  return (await testNode(node, { params: params as Record<string, unknown>, input })).output;
}

describe('the items convention', () => {
  test.each([dataFilter, dataSort, dataDedupe, dataAggregate, dataSplit] as NodeType<any>[])(
    '$type uses the items param over the input and refuses a non-list input',
    async (node) => {
      const params: Record<string, Record<string, unknown>> = {
        'data.filter': { rules: [{ field: 'a', operator: 'exists' }] },
        'data.sort': { keys: [{ field: 'a' }] },
        'data.dedupe': {},
        'data.aggregate': { aggregations: [{ operation: 'count' }] },
        'data.split': { size: 2 },
      };
      const base = params[node.type]!;
      await expect(testNode(node, { params: base, input: { a: 1 } })).rejects.toThrow(
        new RegExp(`${node.type.replace('.', '\\.')}: the input is an object, not a list`),
      );
      const result = await testNode(node, { params: { ...base, items: [{ a: 1 }] }, input: 'x' });
      expect(result.port).toBe('out');
      expect(node.sideEffects).toBe(false);
    },
  );

  test.each([
    [{ a: { b: [{ c: 1 }] } }, 'a.b.0.c', 1],
    [{ a: { b: 2 } }, 'a.c', undefined],
    [{ a: 1 }, 'a.b', undefined],
    [{}, 'constructor', undefined],
  ])('getField(%j, %j) is %j', (item, path, expected) => {
    expect(getField(item as JsonValue, path)).toBe(expected);
  });
});

describe('data.filter', () => {
  test.each([
    [[{ field: 'country', operator: 'equals', value: 'UK' }], 'all', ['Ada', 'Cleo']],
    [[{ field: 'age', operator: 'gte', value: 36 }], 'all', ['Ada', 'dan']],
    [[{ field: 'age', operator: 'lt', value: 36 }], 'all', ['bob']],
    [[{ field: 'email', operator: 'notExists' }], 'all', ['dan']],
    [[{ field: 'age', operator: 'isEmpty' }], 'all', ['Cleo']],
    [[{ field: 'country', operator: 'in', value: ['DE', 'FR'] }], 'all', ['bob', 'dan']],
    [[{ field: 'name', operator: 'matches', value: '^[A-Z]' }], 'all', ['Ada', 'Cleo']],
    [[{ field: 'email', operator: 'endsWith', value: '@x.org' }], 'all', ['Ada', 'bob', 'Cleo']],
    [
      [
        { field: 'country', operator: 'equals', value: 'FR' },
        { field: 'age', operator: 'lt', value: 18 },
      ],
      'any',
      ['bob', 'dan'],
    ],
  ])('rules %j (%s) keep %j', async (rules, match, names) => {
    const kept = (await output(dataFilter, { rules, match })) as typeof people;
    expect(kept.map((p) => p.name)).toEqual(names);
  });

  test('a JSONata condition sees $item and $index; both outputs on request', async () => {
    const result = await output(dataFilter, {
      condition: "$item.country = 'UK' and $index > 0",
      output: 'both',
    });
    expect(result).toEqual({ kept: [people[2]], rejected: [people[0], people[1], people[3]] });
  });

  test('a condition written as a template works the same', async () => {
    const kept = (await output(dataFilter, {
      condition: "{{ $item.country = 'FR' }}",
    })) as typeof people;
    expect(kept.map((p) => p.name)).toEqual(['dan']);
  });

  test('a failing condition names the item', async () => {
    await expect(output(dataFilter, { condition: '$item.name + 1' })).rejects.toThrow(
      /data\.filter: item 0: condition failed/,
    );
  });

  test('bad rules are refused before any item', async () => {
    await expect(
      output(dataFilter, { rules: [{ field: 'a', operator: 'in', value: 'x' }] }),
    ).rejects.toThrow(/rules\[0\] \(field "a"\): in needs a list value/);
    await expect(
      output(dataFilter, { rules: [{ field: 'a', operator: 'matches', value: '(' }] }),
    ).rejects.toThrow(/not a valid pattern/);
    await expect(output(dataFilter, {})).rejects.toThrow(
      /condition: set a condition or at least one rule/,
    );
  });

  test('a catastrophic matches pattern cannot block the process; an unsafe one is refused', async () => {
    // What the engine does in Node (enableLinearRegExp).
    setFlagsFromString('--enable-experimental-regexp-engine');
    const evil = [{ s: `${'a'.repeat(64)}!` }, { s: 'aaa' }];
    expect(
      await output(
        dataFilter,
        { rules: [{ field: 's', operator: 'matches', value: '^(a+)+$' }] },
        evil,
      ),
    ).toEqual([{ s: 'aaa' }]);
    await expect(
      output(dataFilter, { rules: [{ field: 's', operator: 'matches', value: '(a+)+\\1' }] }, evil),
    ).rejects.toThrow(
      /rules\[0\] \(field "s"\): The regular expression \/\(a\+\)\+\\1\/ can take exponential time/,
    );
  });

  test('kept and rejected partition the list in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ n: fc.integer({ min: -5, max: 5 }) })),
        async (items) => {
          const result = (await output(
            dataFilter,
            { rules: [{ field: 'n', operator: 'gt', value: 0 }], output: 'both' },
            items,
          )) as { kept: typeof items; rejected: typeof items };
          expect(result.kept.every((i) => i.n > 0)).toBe(true);
          expect(result.rejected.every((i) => i.n <= 0)).toBe(true);
          expect([...result.kept, ...result.rejected].length).toBe(items.length);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('data.sort', () => {
  const names = async (params: object, input: JsonValue = people) =>
    ((await output(dataSort, params, input)) as Array<{ name: string }>).map((p) => p.name);

  test.each([
    [{ keys: [{ field: 'name' }] }, ['Ada', 'bob', 'Cleo', 'dan']],
    [{ keys: [{ field: 'name' }], caseSensitive: true }, ['Ada', 'bob', 'Cleo', 'dan']],
    [{ keys: [{ field: 'age', direction: 'desc' }] }, ['dan', 'Ada', 'bob', 'Cleo']],
    [{ keys: [{ field: 'age', nulls: 'first' }] }, ['Cleo', 'bob', 'Ada', 'dan']],
    [
      { keys: [{ field: 'country' }, { field: 'name', direction: 'desc' }] },
      ['bob', 'dan', 'Cleo', 'Ada'],
    ],
  ])('%j gives %j', async (params, expected) => {
    expect(await names(params)).toEqual(expected);
  });

  test('numbers in text and dates sort by value', async () => {
    const rows = [
      { name: 'a', n: '10', at: '2024-03-01T00:00:00+05:00' },
      { name: 'b', n: '9', at: '2024-02-29T20:00:00Z' },
      { name: 'c', n: '-1', at: 1709251200000 },
    ];
    expect(await names({ keys: [{ field: 'n', type: 'number' }] }, rows)).toEqual(['c', 'b', 'a']);
    expect(await names({ keys: [{ field: 'at', type: 'date' }] }, rows)).toEqual(['a', 'b', 'c']);
    await expect(
      output(dataSort, { keys: [{ field: 'name', type: 'number' }] }, rows),
    ).rejects.toThrow(/data\.sort: item 0, field "name": "a" is not a number/);
  });

  test('a locale orders accented letters', async () => {
    const rows = ['z', 'ä', 'a'].map((name) => ({ name }));
    expect(await names({ keys: [{ field: 'name' }], locale: 'de' }, rows)).toEqual(['a', 'ä', 'z']);
    expect(await names({ keys: [{ field: 'name' }], locale: 'sv' }, rows)).toEqual(['a', 'z', 'ä']);
    await expect(
      output(dataSort, { keys: [{ field: 'name' }], locale: 'not a locale!' }, rows),
    ).rejects.toThrow(NonRetriableError);
  });

  test('the result is an ordered, stable permutation', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ k: fc.option(fc.integer({ min: 0, max: 5 })), id: fc.nat() })),
        fc.constantFrom('asc', 'desc'),
        async (items, direction) => {
          const tagged = items.map((item, i) => ({ ...item, id: i }));
          const sorted = (await output(
            dataSort,
            { keys: [{ field: 'k', direction }] },
            tagged,
          )) as typeof tagged;
          expect([...sorted].sort((a, b) => a.id - b.id)).toEqual(tagged);
          for (let i = 1; i < sorted.length; i += 1) {
            const [a, b] = [sorted[i - 1]!, sorted[i]!];
            if (a.k === null || b.k === null) {
              if (a.k === null) expect(b.k).toBeNull();
              continue;
            }
            const order = direction === 'asc' ? a.k - b.k : b.k - a.k;
            expect(order).toBeLessThanOrEqual(0);
            if (order === 0) expect(a.id).toBeLessThan(b.id);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('data.dedupe', () => {
  test.each([
    [{ keys: ['country'] }, ['Ada', 'bob', 'dan']],
    [{ keys: ['country'], keep: 'last' }, ['bob', 'Cleo', 'dan']],
    [{ keys: ['email'], caseSensitive: false }, ['Ada', 'bob', 'dan']],
    [{ keys: ['email'] }, ['Ada', 'bob', 'Cleo', 'dan']],
  ])('%j keeps %j', async (params, expected) => {
    const kept = (await output(dataDedupe, params)) as typeof people;
    expect(kept.map((p) => p.name)).toEqual(expected);
  });

  test('whole items match whatever their key order', async () => {
    expect(await output(dataDedupe, {}, [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 2 }])).toEqual([
      { a: 1, b: 2 },
      { a: 2 },
    ]);
  });

  test('dedupe is idempotent and keeps a sub-sequence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ k: fc.integer({ min: 0, max: 4 }), v: fc.nat(3) })),
        fc.constantFrom('first' as const, 'last' as const),
        (items, keep) => {
          const options = { keys: ['k'], keep, caseSensitive: true };
          const once = dedupe(items, options);
          expect(dedupe(once, options)).toEqual(once);
          expect(new Set(once.map((i) => (i as { k: number }).k)).size).toBe(once.length);
          expect(new Set(items.map((i) => i.k)).size).toBe(once.length);
        },
      ),
    );
  });
});

describe('data.aggregate', () => {
  const orders = [
    { region: 'N', rep: 'a', amount: 10 },
    { region: 'S', rep: 'b', amount: '5' },
    { region: 'N', rep: 'b', amount: 30 },
    { region: 'N', rep: 'a', amount: null },
  ];

  test('groups in order of first appearance with every operation', async () => {
    const result = await output(
      dataAggregate,
      {
        groupBy: ['region'],
        aggregations: [
          { operation: 'count' },
          { operation: 'count', field: 'amount', as: 'withAmount' },
          { operation: 'sum', field: 'amount' },
          { operation: 'avg', field: 'amount' },
          { operation: 'min', field: 'amount' },
          { operation: 'max', field: 'amount' },
          { operation: 'first', field: 'rep' },
          { operation: 'last', field: 'rep' },
          { operation: 'collect', field: 'rep', as: 'reps' },
          { operation: 'countDistinct', field: 'rep', as: 'repCount' },
        ],
      },
      orders,
    );
    expect(result).toEqual([
      {
        region: 'N',
        count: 3,
        withAmount: 2,
        amount_sum: 40,
        amount_avg: 20,
        amount_min: 10,
        amount_max: 30,
        rep_first: 'a',
        rep_last: 'a',
        reps: ['a', 'b', 'a'],
        repCount: 2,
      },
      {
        region: 'S',
        count: 1,
        withAmount: 1,
        amount_sum: 5,
        amount_avg: 5,
        amount_min: '5',
        amount_max: '5',
        rep_first: 'b',
        rep_last: 'b',
        reps: ['b'],
        repCount: 1,
      },
    ]);
  });

  test('without groupBy the output is one object, also for an empty list', async () => {
    const aggregations = [{ operation: 'sum', field: 'amount' }, { operation: 'count' }];
    expect(await output(dataAggregate, { aggregations }, orders)).toEqual({
      amount_sum: 45,
      count: 4,
    });
    expect(await output(dataAggregate, { aggregations }, [])).toEqual({ amount_sum: 0, count: 0 });
  });

  test('errors name the item and field', async () => {
    await expect(
      output(dataAggregate, { aggregations: [{ operation: 'sum', field: 'rep' }] }, orders),
    ).rejects.toThrow(/data\.aggregate: item 0, field "rep": sum needs numbers, got "a"/);
    await expect(
      output(dataAggregate, { aggregations: [{ operation: 'sum' }] }, orders),
    ).rejects.toThrow(/aggregations\[0\] \(sum\) needs a field/);
  });

  test('group counts add up to the list length', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ g: fc.constantFrom('x', 'y', 'z'), n: fc.integer() })),
        async (items) => {
          const groups = (await output(
            dataAggregate,
            {
              groupBy: ['g'],
              aggregations: [{ operation: 'count' }, { operation: 'sum', field: 'n' }],
            },
            items,
          )) as Array<{ count: number; n_sum: number }>;
          expect(groups.reduce((t, g) => t + g.count, 0)).toBe(items.length);
          expect(groups.reduce((t, g) => t + g.n_sum, 0)).toBe(items.reduce((t, i) => t + i.n, 0));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('data.split', () => {
  test.each([
    [[1, 2, 3, 4, 5], 2, [[1, 2], [3, 4], [5]]],
    [[1, 2], 5, [[1, 2]]],
    [[], 3, []],
  ])('%j in batches of %i', async (items, size, expected) => {
    expect(await output(dataSplit, { size }, items)).toEqual(expected);
  });

  test('a size below 1 is refused', async () => {
    await expect(output(dataSplit, { size: 0 }, [1])).rejects.toThrow(/size/);
  });

  test('batches concatenate back to the list and are full but the last', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 10 }), (items, size) => {
        const batches = toBatches(items, size);
        expect(batches.flat()).toEqual(items);
        expect(batches.slice(0, -1).every((b) => b.length === size)).toBe(true);
        expect(batches.every((b) => b.length > 0)).toBe(true);
      }),
    );
  });
});
