import { describe, expect, test } from 'vitest';
import { DIRECTIVE, portsOf, type NodeType } from '@flowstate/core';
import { NonRetriableError, testNode } from '@flowstate/sdk';
import { flowCall } from './flow-call.js';
import { flowIf } from './flow-if.js';
import { flowLoop } from './flow-loop.js';
import { flowMerge } from './flow-merge.js';
import { flowReturn } from './flow-return.js';
import { flowSwitch } from './flow-switch.js';
import { isTruthy } from './truthy.js';

describe('isTruthy', () => {
  test.each([
    [true, true],
    [false, false],
    [1, true],
    [0, false],
    ['yes', true],
    ['false', false],
    [' FALSE ', false],
    ['0', false],
    ['', false],
    [null, false],
    [undefined, false],
    [{}, true],
    [[], true],
  ])('%j -> %s', (value, expected) => expect(isTruthy(value)).toBe(expected));
});

describe('flow.if', () => {
  test.each([
    [true, 'true'],
    ['false', 'false'],
    [undefined, 'false'],
    [3, 'true'],
  ])('condition %j -> port %s', async (condition, port) => {
    const result = await testNode(flowIf, { params: { condition }, input: { a: 1 } });
    expect(result).toMatchObject({ port, output: { a: 1 } });
  });
});

describe('flow.switch', () => {
  const cases = [
    { port: 'big', when: false },
    { port: 'gold', equals: { tier: 'gold' } },
    { port: 'flagged', when: 'true' },
  ];

  test('ports are the case ports then default, computed from raw params', () => {
    expect(portsOf(flowSwitch as NodeType, { cases })).toEqual([
      'big',
      'gold',
      'flagged',
      'default',
    ]);
    expect(
      portsOf(flowSwitch as NodeType, { cases: [{ port: 'a' }, { port: 'a' }, { nope: 1 }] }),
    ).toEqual(['a', 'default']);
    expect(portsOf(flowSwitch as NodeType, { cases: '{{ $x }}' })).toEqual(['default']);
  });

  test('emits on the first match (deep equality or truthy when)', async () => {
    const gold = await testNode(flowSwitch, {
      params: { value: { tier: 'gold' }, cases },
      input: 1,
    });
    expect(gold).toMatchObject({ port: 'gold', output: 1 });
    const flagged = await testNode(flowSwitch, { params: { value: 'x', cases }, input: 2 });
    expect(flagged.port).toBe('flagged');
  });

  test('falls back to default', async () => {
    const result = await testNode(flowSwitch, {
      params: { value: 1, cases: [{ port: 'one', equals: '1' }] },
    });
    expect(result.port).toBe('default');
  });

  test('equals null matches null', async () => {
    const result = await testNode(flowSwitch, {
      params: { value: null, cases: [{ port: 'none', equals: null }] },
    });
    expect(result.port).toBe('none');
  });

  test('reserved case ports are rejected', async () => {
    await expect(
      testNode(flowSwitch, { params: { cases: [{ port: 'default', when: true }] } }),
    ).rejects.toThrow(/cases.0.port/);
  });
});

describe('flow.merge', () => {
  const input = { A: [1, 2], B: { b: 1 }, C: 3 };
  test.each([
    ['object', input],
    ['append', [1, 2, { b: 1 }, 3]],
    ['first', [1, 2]],
  ])('mode %s', async (mode, expected) => {
    expect((await testNode(flowMerge, { params: { mode }, input })).output).toEqual(expected);
  });

  test('defaults to object; a single non-object input is handled', async () => {
    expect((await testNode(flowMerge, { input })).output).toEqual(input);
    expect((await testNode(flowMerge, { params: { mode: 'append' }, input: 5 })).output).toEqual([
      5,
    ]);
    expect((await testNode(flowMerge, { params: { mode: 'first' }, input: {} })).output).toBeNull();
  });
});

describe('flow.loop', () => {
  test('returns a loop directive', async () => {
    const result = await testNode(flowLoop, { params: { items: [1, 2], concurrency: 4 } });
    expect(result.directive).toEqual({ [DIRECTIVE]: 'loop', items: [1, 2], concurrency: 4 });
    expect(flowLoop.ports).toEqual(['done']);
  });

  test('concurrency defaults to 1 and is bounded', async () => {
    expect((await testNode(flowLoop, { params: { items: [] } })).directive).toMatchObject({
      concurrency: 1,
    });
    await expect(testNode(flowLoop, { params: { items: [], concurrency: 101 } })).rejects.toThrow(
      /concurrency/,
    );
  });

  test.each([
    [{ a: 1 }, 'object'],
    ['x', 'string'],
    [null, 'null'],
    [undefined, 'nothing'],
  ])('items %j is a clear non-retriable error', async (items, got) => {
    const error = await testNode(flowLoop, { params: { items } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetriableError);
    expect(error).toMatchObject({
      code: 'LOOP_ITEMS_NOT_ARRAY',
      message: `Loop items must resolve to an array, got ${got}`,
    });
  });
});

describe('flow.call', () => {
  test('calls with the input by default, cancelling the child if the caller fails', async () => {
    const result = await testNode(flowCall, { params: { workflowId: 'wf1' }, input: { a: 1 } });
    expect(result.directive).toEqual({
      [DIRECTIVE]: 'call',
      workflowId: 'wf1',
      input: { a: 1 },
      onParentFailure: 'cancel',
    });
  });

  test('onParentFailure is cancel or continue, nothing else', async () => {
    const result = await testNode(flowCall, {
      params: { workflowId: 'wf1', onParentFailure: 'continue' },
    });
    expect(result.directive).toMatchObject({ onParentFailure: 'continue' });
    await expect(
      testNode(flowCall, { params: { workflowId: 'wf1', onParentFailure: 'abandon' } }),
    ).rejects.toThrow(/onParentFailure/);
  });

  test('passes version and explicit input (even null)', async () => {
    const result = await testNode(flowCall, {
      params: { workflowId: 'wf1', version: 3, input: null },
      input: 1,
    });
    expect(result.directive).toEqual({
      [DIRECTIVE]: 'call',
      workflowId: 'wf1',
      version: 3,
      input: null,
      onParentFailure: 'cancel',
    });
    expect(flowCall.sideEffects).toBe(true);
  });
});

describe('flow.return', () => {
  test('returns the value, or the input by default', async () => {
    expect((await testNode(flowReturn, { params: { value: 7 }, input: 1 })).directive).toEqual({
      [DIRECTIVE]: 'return',
      value: 7,
    });
    expect((await testNode(flowReturn, { input: 'in' })).directive).toEqual({
      [DIRECTIVE]: 'return',
      value: 'in',
    });
  });
});
