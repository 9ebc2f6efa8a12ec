import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, test } from 'vitest';
import type { JsonValue } from '../json.js';
import { inferSchema } from './infer-schema.js';
import { nameSimilarity, nameTokens } from './name-match.js';
import { sourceFields, suggestMappings, typeFit } from './suggest-mappings.js';

describe('names', () => {
  test.each([
    ['firstName', ['first', 'name']],
    ['first_name', ['first', 'name']],
    ['First-Name', ['first', 'name']],
    ['HTTPStatus', ['http', 'status']],
    ['address2', ['address', '2']],
  ])('%j splits into %j', (name, tokens) => {
    expect(nameTokens(name)).toEqual(tokens);
  });

  test.each([
    ['firstName', 'first_name', 1],
    ['email', 'E-Mail', 1],
    ['mail', 'email', 0.95],
    ['given name', 'firstName', 0.95],
    ['surname', 'last_name', 0.95],
    ['tel', 'phone', 0.95],
    ['mobile_number', 'phone_number', 0.95],
    ['zip', 'postalCode', 0.95],
  ])('%j ~ %j scores %d', (a, b, score) => {
    expect(nameSimilarity(a, b).score).toBeCloseTo(score, 2);
  });

  test.each([
    ['email', 'to', 0.6],
    ['adress', 'address', 0.72],
  ])('%j ~ %j scores about %d', (a, b, score) => {
    expect(nameSimilarity(a, b).score).toBeGreaterThanOrEqual(score);
    expect(nameSimilarity(a, b).score).toBeLessThan(0.95);
  });

  test.each([
    ['email', 'url'],
    ['id', 'city'],
    ['firstName', 'lastName'],
  ])('%j and %j are not alike', (a, b) => {
    expect(nameSimilarity(a, b).score).toBeLessThan(0.5);
  });

  test.each([
    [['integer'], ['number'], 1],
    [['string', 'null'], ['string'], 1],
    [['number'], ['string'], 0.5],
    [['string'], ['integer'], 0.3],
    [['object'], ['string'], 0],
    [['string'], [], 0.5],
  ])('type %j into %j fits %d', (source, target, fit) => {
    expect(typeFit(source, target)).toBe(fit);
  });
});

const contact = {
  customer: { given_name: 'Ada', surname: 'Lovelace', mail: 'ada@example.com', tel: '+44 1' },
  lines: [{ sku: 'A1', qty: 2 }],
  'order id': 42,
  and: 'kw',
};

const crmParams = {
  type: 'object',
  properties: {
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    email: { type: 'string', format: 'email' },
    phone: { type: 'string' },
    orderId: { type: 'integer' },
    quantity: { type: 'number' },
    credential: { type: 'string' },
  },
} as const;

async function resolve(expression: string, input: JsonValue): Promise<unknown> {
  const inner = expression.replace(/^\{\{\s*/, '').replace(/\s*\}\}$/, '');
  return jsonata(inner).evaluate(undefined, { input });
}

describe('suggestMappings', () => {
  test('maps by name and synonym, across depth and lists', () => {
    const suggestions = suggestMappings({
      source: { sample: contact },
      targetParamsSchema: crmParams,
      exclude: ['credential'],
      perParam: 1,
    });
    const byParam = Object.fromEntries(suggestions.map((s) => [s.param, s.expression]));
    expect(byParam).toEqual({
      firstName: '{{ $input.customer.given_name }}',
      lastName: '{{ $input.customer.surname }}',
      email: '{{ $input.customer.mail }}',
      phone: '{{ $input.customer.tel }}',
      orderId: '{{ $input.`order id` }}',
      quantity: '{{ $input.lines[0].qty }}',
    });
    expect(suggestions.every((s, i) => i === 0 || suggestions[i - 1]!.score >= s.score)).toBe(true);
    expect(suggestions.find((s) => s.param === 'email')!.reason).toMatch(/synonyms; same type/);
  });

  test('a schema works as the source, and fields that may be missing are not offered', () => {
    const schema = inferSchema([{ email: 'a@b.io', extra: 1 }, { email: 'c@d.io' }]);
    const fields = sourceFields(schema).map((f) => f.path);
    expect(fields).toEqual(['[0].email']);
    expect(sourceFields(inferSchema({ list: [] })).map((f) => f.path)).toEqual(['list']);
    expect(sourceFields(inferSchema([{ o: null }, { o: { x: 1 } }])).map((f) => f.path)).toEqual([
      '[0].o',
    ]);
    expect(
      suggestMappings({
        source: { schema },
        targetParamsSchema: { type: 'object', properties: { to: { type: 'string' } } },
      }),
    ).toMatchObject([{ param: 'to', expression: '{{ $input[0].email }}' }]);
  });

  test('an incompatible type is never suggested', () => {
    expect(
      suggestMappings({
        source: { sample: { email: { address: 'x' } } },
        targetParamsSchema: { type: 'object', properties: { email: { type: 'string' } } },
      }).map((s) => s.sourcePath),
    ).toEqual([]);
  });

  test('every suggested expression resolves on the sample', async () => {
    const key = fc.constantFrom(
      'email',
      'mail',
      'first name',
      'firstName',
      'tel',
      'id',
      'and',
      '$x',
      'a.b',
      'qty',
      'total',
    );
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
        fc.array(tie('node'), { maxLength: 3 }),
      ),
    })).node;
    const target = {
      type: 'object',
      properties: Object.fromEntries(
        ['email', 'firstName', 'phone', 'id', 'and', 'quantity', 'amount', 'x'].map((p) => [p, {}]),
      ),
    };
    await fc.assert(
      fc.asyncProperty(value, async (sample) => {
        const suggestions = suggestMappings({
          source: { sample: sample as JsonValue },
          targetParamsSchema: target,
          perParam: 5,
          minScore: 0,
        });
        for (const s of suggestions)
          expect(
            await resolve(s.expression, sample as JsonValue),
            s.expression,
          ).not.toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
