import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import type { JsonValue } from '../json.js';
import { detectFormat, inferSchema } from './infer-schema.js';

const accepts = (sample: JsonValue): boolean =>
  z.fromJSONSchema(inferSchema(sample) as never).safeParse(sample).success;

describe('inferSchema', () => {
  test.each([
    ['2024-03-10T12:00:00Z', 'date-time'],
    ['2024-03-10T12:00:00.123+02:00', 'date-time'],
    ['2024-03-10', 'date'],
    ['ada@example.com', 'email'],
    ['https://example.com/a?b=1', 'uri'],
    ['4f1c2a3e-9b8d-4c7e-8f6a-1b2c3d4e5f60', 'uuid'],
    ['hello', undefined],
    ['mailto:ada@example.com', undefined],
    ['2024-13-45', undefined],
  ])('%j has format %j', (value, format) => {
    expect(detectFormat(value)).toBe(format);
  });

  test('an object: types, required, formats and examples', () => {
    expect(
      inferSchema({ id: 7, price: 1.5, email: 'ada@example.com', vip: true, note: null, tags: [] }),
    ).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        id: { type: 'integer', examples: [7] },
        price: { type: 'number', examples: [1.5] },
        email: { type: 'string', format: 'email', examples: ['ada@example.com'] },
        vip: { type: 'boolean', examples: [true] },
        note: { type: 'null' },
        tags: { type: 'array', items: {} },
      },
      required: ['id', 'price', 'email', 'vip', 'note', 'tags'],
    });
  });

  test('array items are merged: optional keys, nullable, widened numbers, mixed formats', () => {
    const schema = inferSchema([
      { a: 1, b: 'x@y.io', c: 'https://a.io', d: [1] },
      { a: 2.5, b: null, c: 'plain', e: true, d: [] },
      { a: 3, b: 'z@y.io', c: 'https://b.io', d: [2], e: false },
    ]);
    expect(schema).toMatchObject({
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['a', 'b', 'c', 'd'],
        properties: {
          a: { type: 'number', examples: [1, 2.5, 3] },
          b: { type: ['string', 'null'], format: 'email', examples: ['x@y.io', 'z@y.io'] },
          c: { type: 'string', examples: ['https://a.io', 'plain', 'https://b.io'] },
          d: { type: 'array', items: { type: 'integer' } },
          e: { type: 'boolean' },
        },
      },
    });
    expect((schema['items'] as { properties: { c: object } }).properties.c).not.toHaveProperty(
      'format',
    );
    expect((schema['items'] as { properties: { d: object } }).properties.d).not.toHaveProperty(
      'minItems',
    );
  });

  test('maxItems inspects only the first elements of each list', () => {
    expect(inferSchema([1, 2, 'x'], { maxItems: 2, maxExamples: 0 })).toMatchObject({
      type: 'array',
      items: { type: 'integer' },
    });
  });

  test('different kinds become anyOf', () => {
    expect(inferSchema([1, 'a', { k: 1 }, null], { maxExamples: 0 })).toMatchObject({
      items: { anyOf: [{ type: ['integer', 'null'] }, { type: 'string' }, { type: 'object' }] },
    });
  });

  test('the inferred schema accepts its sample', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (sample) => {
        expect(accepts(sample as JsonValue)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('it accepts every element of a sampled list', () => {
    const record = fc.record(
      {
        id: fc.integer(),
        name: fc.option(fc.string()),
        score: fc.double({ noNaN: true, noDefaultInfinity: true }),
        at: fc.constant('2024-01-01T00:00:00Z'),
      },
      { requiredKeys: ['id'] },
    );
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), (rows) => {
        expect(accepts(rows as JsonValue)).toBe(true);
      }),
    );
  });
});
