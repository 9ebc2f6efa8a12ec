import { describe, expect, test } from 'vitest';
import type { FlowstateError } from './errors.js';
import { checkInput, compileInputSchema } from './input-schema.js';
import { testRegistry } from './test-registry.js';
import { baseDoc } from './test-workflows.js';
import { validate } from './validate.js';

const order = {
  type: 'object',
  properties: {
    order: { type: 'string' },
    lines: {
      type: 'array',
      items: { type: 'object', properties: { 'sku/id': { type: 'string' } }, required: ['sku/id'] },
    },
    amount: { type: 'number', minimum: 1 },
  },
  required: ['order'],
};

const refusal = (input: unknown): FlowstateError => {
  try {
    checkInput(order, input as never, 'Orders');
  } catch (error) {
    return error as FlowstateError;
  }
  throw new Error('the input was accepted');
};

describe('inputSchema', () => {
  test('an input that matches passes', () => {
    expect(() =>
      checkInput(order, { order: 'o-1', amount: 2, extra: true }, 'Orders'),
    ).not.toThrow();
  });

  test('an input that does not is INVALID_INPUT with a pointer and a sentence per problem', () => {
    const error = refusal({ amount: 0, lines: [{ 'sku/id': 'a' }, {}] });
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.details.map((d) => d.path)).toEqual(['/order', '/lines/1/sku~1id', '/amount']);
    expect(error.message).toContain('inputSchema of workflow "Orders"');
    expect(error.message).toContain('/amount Too small: expected number to be >=1');
  });

  test('a schema Flowstate cannot read is INVALID_INPUT_SCHEMA, and a validation problem at /inputSchema', () => {
    expect(() => compileInputSchema({ type: 'nope' })).toThrow(
      /inputSchema is not a JSON Schema Flowstate can check: Unsupported type: nope/,
    );
    const result = validate({ ...baseDoc(), inputSchema: { type: 'nope' } }, testRegistry());
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      {
        path: '/inputSchema',
        code: 'INVALID_INPUT_SCHEMA',
        message: 'inputSchema is not a JSON Schema Flowstate can check: Unsupported type: nope',
      },
    ]);
    expect(validate({ ...baseDoc(), inputSchema: order }, testRegistry()).ok).toBe(true);
  });
});
