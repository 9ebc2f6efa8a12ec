import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  checkNodeType,
  defineNode,
  definePlugin,
  NodeDefinitionError,
  pluginNodeTypes,
  PluginShapeError,
} from './index.js';

const node = (type: string) =>
  defineNode({
    type,
    name: 'Node',
    group: 'data',
    description: 'A node.',
    params: z.object({ text: z.string() }),
    sideEffects: false,
    run: (ctx) => ctx.params.text,
  });

describe('pluginNodeTypes', () => {
  const a = node('acme.a');
  const b = node('acme.b');

  test.each([
    ['definePlugin default export', { default: definePlugin({ nodes: [a, b] }) }],
    ['array default export', { default: [a, b] }],
    ['named nodes export', { nodes: [a, b] }],
    ['named nodes beside another default', { nodes: [a, b], default: 'ignored' }],
  ])('reads the %s', (_, moduleNamespace) => {
    expect(pluginNodeTypes(moduleNamespace).map((n) => n.type)).toEqual(['acme.a', 'acme.b']);
  });

  test.each([
    [{}, /found no default export and no "nodes" export/],
    [{ default: 42 }, /a default export that is a number/],
    [{ default: { name: 'x' } }, /a default export that is an object/],
    [{ nodes: 'acme.a' }, /The export "nodes" must be an array, got a string/],
    [{ default: { nodes: {} } }, /default export's "nodes" must be an array, got an object/],
    [{ nodes: [] }, /exports no node types/],
  ])('rejects exports %j', (moduleNamespace, message) => {
    expect(() => pluginNodeTypes(moduleNamespace)).toThrow(PluginShapeError);
    expect(() => pluginNodeTypes(moduleNamespace)).toThrow(message);
  });

  test('names the position and the problem of a bad entry', () => {
    expect(() => pluginNodeTypes({ nodes: [a, null] })).toThrow(
      /nodes\[1\]: Expected a node type \(the result of defineNode\), got null/,
    );
    expect(() => pluginNodeTypes({ nodes: [{ ...a, sideEffects: 'no' }] })).toThrow(
      /nodes\[0\]: Node type "acme\.a": sideEffects must be true or false/,
    );
    expect(() => pluginNodeTypes({ nodes: [a, a] })).toThrow(
      /nodes\[1\]: node type "acme\.a" is exported twice/,
    );
  });

  test('definePlugin checks its nodes at once', () => {
    expect(() => definePlugin({ nodes: [a, { ...b, type: 'Bad' }] })).toThrow(NodeDefinitionError);
    expect(Object.isFrozen(definePlugin({ nodes: [a] }))).toBe(true);
  });
});

describe('checkNodeType', () => {
  const good = node('acme.good');

  test('accepts a node type from defineNode', () => {
    expect(checkNodeType(good)).toBe(good);
  });

  test.each([
    [{ group: 'misc' }, /group must be one of trigger, action/],
    [{ description: undefined }, /description must be a string/],
    [{ params: { parse: () => 1 } }, /params must be a Zod schema/],
    [{ ports: 'out' }, /ports must be an array of port names or a function/],
    [{ ports: ['out', 'out'] }, /port "out" is declared twice/],
    [{ timeoutMs: 0 }, /timeoutMs must be a positive integer/],
    [{ retryDefaults: { maxAttempts: 0 } }, /retryDefaults\.maxAttempts:/],
    [{ retryDefaults: { tries: 3 } }, /retryDefaults\./],
    [{ rawParams: ['nope'] }, /rawParams names unknown param "nope"/],
    [{ credentials: { nope: ['bearer'] } }, /credentials names unknown param "nope"/],
    [{ credentials: { text: [] } }, /credentials\.text must list at least one credential type/],
    [{ docs: 42 }, /docs must be a string/],
    [{ run: 'code' }, /run must be a function/],
  ])('rejects %j', (change, message) => {
    expect(() => checkNodeType({ ...good, ...change })).toThrow(message);
  });

  test('rejects what is not an object', () => {
    expect(() => checkNodeType([good])).toThrow(/got an array/);
    expect(() => checkNodeType(() => good)).toThrow(/got a function/);
  });
});
