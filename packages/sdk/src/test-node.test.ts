import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { DIRECTIVE } from '@flowstate/core';
import { defineNode, NonRetriableError, testNode } from './index.js';

const echo = defineNode({
  type: 'test.echo',
  name: 'Echo',
  group: 'data',
  description: 'Echoes its context.',
  params: z.object({
    mode: z.enum(['plain', 'emit', 'suspend', 'respond', 'ctx', 'eval', 'undef']),
  }),
  ports: ['out', 'other'],
  sideEffects: false,
  async run(ctx) {
    switch (ctx.params.mode) {
      case 'plain':
        return ctx.input;
      case 'emit':
        return ctx.emit('other', ctx.input);
      case 'suspend':
        return ctx.suspend({ until: ctx.now().getTime() + 1000 });
      case 'respond':
        return ctx.respond({ status: 201, body: 'ok' });
      case 'ctx':
        ctx.logger.info('hello', { n: 1 });
        return {
          attempt: ctx.attempt,
          simulate: ctx.simulate,
          idempotencyKey: ctx.idempotencyKey,
          type: ctx.node.type,
          aborted: ctx.signal.aborted,
        };
      case 'eval':
        return ctx.evaluate('$input.a + $extra + $count($steps)', { extra: 10 });
      case 'undef':
        return undefined as never;
    }
  },
});

describe('testNode', () => {
  test('a plain return value leaves from out', async () => {
    expect(await testNode(echo, { params: { mode: 'plain' }, input: { a: 1 } })).toEqual({
      port: 'out',
      output: { a: 1 },
      logs: [],
    });
  });

  test('emit leaves from the named port', async () => {
    const result = await testNode(echo, { params: { mode: 'emit' }, input: 5 });
    expect(result).toMatchObject({ port: 'other', output: 5 });
    expect(result.directive).toBeUndefined();
  });

  test('other directives are returned as directive', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const result = await testNode(echo, { params: { mode: 'suspend' }, now });
    expect(result.port).toBeUndefined();
    expect(result.directive).toEqual({
      [DIRECTIVE]: 'suspend',
      options: { until: now.getTime() + 1000 },
    });
  });

  test('respond outputs the input on out', async () => {
    const result = await testNode(echo, { params: { mode: 'respond' }, input: 'in' });
    expect(result).toMatchObject({ port: 'out', output: 'in' });
    expect(result.directive).toMatchObject({ [DIRECTIVE]: 'respond', response: { status: 201 } });
  });

  test('builds a complete context from the options', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await testNode(echo, {
      params: { mode: 'ctx' },
      attempt: 3,
      simulate: true,
      signal: controller.signal,
      executionId: 'ex1',
    });
    expect(result.output).toEqual({
      attempt: 3,
      simulate: true,
      idempotencyKey: 'ex1:test-node',
      type: 'test.echo',
      aborted: true,
    });
    expect(result.logs).toEqual([{ level: 'info', message: 'hello', data: { n: 1 } }]);
  });

  test('the default evaluator binds $input, bindings and extra bindings', async () => {
    const result = await testNode(echo, {
      params: { mode: 'eval' },
      input: { a: 1 },
      bindings: { steps: [1, 2] },
    });
    expect(result.output).toBe(13);
  });

  test('a custom evaluator replaces the default', async () => {
    const result = await testNode(echo, { params: { mode: 'eval' }, evaluate: async (e) => e });
    expect(result.output).toBe('$input.a + $extra + $count($steps)');
  });

  test('invalid params throw a clear error naming the param', async () => {
    const error = await testNode(echo, { params: { mode: 'nope' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetriableError);
    expect((error as NonRetriableError).code).toBe('INVALID_PARAMS');
    expect((error as Error).message).toMatch(/Invalid params for "test.echo": mode:/);
  });

  test('emitting on an undeclared port is an error', async () => {
    const bad = defineNode({ ...echo, type: 'test.bad', ports: ['out'] });
    await expect(testNode(bad, { params: { mode: 'emit' } })).rejects.toThrow(
      /not one of its ports/,
    );
  });

  test('returning undefined is an error', async () => {
    await expect(testNode(echo, { params: { mode: 'undef' } })).rejects.toThrow(
      /returned undefined/,
    );
  });
});
