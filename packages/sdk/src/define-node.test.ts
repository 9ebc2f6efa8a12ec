import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { portsOf, type NodeType } from '@flowstate/core';
import { defineNode, NodeDefinitionError, paramsJsonSchema } from './index.js';

const base = {
  type: 'acme.thing',
  name: 'Thing',
  group: 'action' as const,
  description: 'Does a thing.',
  params: z.object({ a: z.string(), b: z.int().default(3) }),
  sideEffects: true,
  run: () => null,
};

describe('defineNode', () => {
  test('returns a frozen node type with default port out', () => {
    const node = defineNode(base);
    expect(node.type).toBe('acme.thing');
    expect(node.ports).toEqual(['out']);
    expect(Object.isFrozen(node)).toBe(true);
  });

  test('infers params from the schema', () => {
    const node = defineNode({
      ...base,
      run: (ctx) => {
        const a: string = ctx.params.a;
        const b: number = ctx.params.b;
        return `${a}${b}`;
      },
    });
    const asBase: NodeType<{ a: string; b: number }> = node;
    expect(asBase.sideEffects).toBe(true);
  });

  test.each([
    ['Acme.Thing'],
    ['acme..thing'],
    ['.thing'],
    ['acme.thing.'],
    ['acme thing'],
    ['1acme.thing'],
    [''],
  ])('rejects type id %j', (type) => {
    expect(() => defineNode({ ...base, type })).toThrow(NodeDefinitionError);
  });

  test.each([['acme.thing'], ['http.request'], ['log'], ['crm.create-contact']])(
    'accepts type id %j',
    (type) => {
      expect(defineNode({ ...base, type }).type).toBe(type);
    },
  );

  test('rejects empty and duplicate ports', () => {
    expect(() => defineNode({ ...base, ports: [] })).toThrow(/ports must not be empty/);
    expect(() => defineNode({ ...base, ports: ['a', 'b', 'a'] })).toThrow(
      /port "a" is declared twice/,
    );
    expect(() => defineNode({ ...base, ports: ['has space'] })).toThrow(/port "has space"/);
  });

  test('checks dynamic ports when they are computed', () => {
    const node = defineNode({ ...base, ports: (raw) => (raw['dup'] ? ['x', 'x'] : ['x', 'y']) });
    expect(portsOf(node as NodeType, {})).toEqual(['x', 'y']);
    expect(() => portsOf(node as NodeType, { dup: true })).toThrow(/declared twice/);
  });

  test('rejects rawParams the schema does not have', () => {
    expect(() => defineNode({ ...base, rawParams: ['nope'] })).toThrow(/unknown param "nope"/);
    expect(defineNode({ ...base, rawParams: ['a'] }).rawParams).toEqual(['a']);
  });

  test('rejects a missing name or run', () => {
    expect(() => defineNode({ ...base, name: ' ' })).toThrow(/name must not be empty/);
    expect(() => defineNode({ ...base, run: undefined as never })).toThrow(
      /run must be a function/,
    );
  });
});

describe('paramsJsonSchema', () => {
  test('describes the params as the user writes them', () => {
    const schema = paramsJsonSchema(defineNode(base));
    expect(schema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer', default: 3 } },
      required: ['a'],
    });
  });

  test('represents transforms by their input', () => {
    const node = defineNode({
      ...base,
      params: z.object({ n: z.string() }).transform((p) => p.n.length),
    });
    expect(paramsJsonSchema(node)).toMatchObject({ properties: { n: { type: 'string' } } });
  });
});
