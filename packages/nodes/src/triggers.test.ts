import { describe, expect, test } from 'vitest';
import { testNode } from '@flowstate/sdk';
import { manualTrigger } from './trigger-manual.js';
import { webhookTrigger, webhookTriggerParams } from './trigger-webhook.js';

describe('trigger.manual', () => {
  test('outputs its input', async () => {
    expect(await testNode(manualTrigger, { input: { a: 1 } })).toMatchObject({
      port: 'out',
      output: { a: 1 },
    });
    expect(manualTrigger.trigger).toBe(true);
  });
});

describe('trigger.webhook', () => {
  const request = {
    body: { x: 1 },
    headers: { a: 'b' },
    query: {},
    method: 'POST',
    path: 'orders',
  };

  test('outputs the request the server passes in', async () => {
    const result = await testNode(webhookTrigger, { params: { path: 'orders' }, input: request });
    expect(result).toMatchObject({ port: 'out', output: request });
    expect(webhookTrigger.trigger).toBe(true);
  });

  test('normalises method/methods and defaults', () => {
    expect(webhookTriggerParams.parse({ path: 'a/b' })).toEqual({
      path: 'a/b',
      methods: ['POST'],
      responseTimeoutMs: 10_000,
      auth: { type: 'none' },
    });
    expect(
      webhookTriggerParams.parse({
        path: 'a',
        auth: { type: 'hmac', credential: 'cred_1' },
        rateLimit: '600/min',
      }),
    ).toMatchObject({
      auth: { type: 'hmac', credential: 'cred_1', toleranceSeconds: 300 },
      rateLimit: '600/min',
    });
    expect(webhookTriggerParams.parse({ path: 'a', method: 'GET' }).methods).toEqual(['GET']);
    expect(
      webhookTriggerParams.parse({ path: 'a', methods: ['PUT', 'PUT', 'DELETE'] }).methods,
    ).toEqual(['PUT', 'DELETE']);
  });

  test.each([
    [{ path: '/leading' }, /path/],
    [{ path: 'a b' }, /path/],
    [{ path: 'a//b' }, /path/],
    [{ path: '' }, /path/],
    [{ path: 'a', method: 'GET', methods: ['POST'] }, /either method or methods/],
    [{ path: 'a', method: 'TRACE' }, /method/],
    [{ path: 'a', responseTimeoutMs: 0 }, /responseTimeoutMs/],
    [{ path: 'a', auth: { type: 'token' } }, /auth/],
    [{ path: 'a', auth: { type: 'basic' } }, /auth.credential/],
    [{ path: 'a', auth: { type: 'header', credential: '{{ $x }}' } }, /credential id/],
    [{ path: 'a', auth: { type: 'none', credential: 'c' } }, /auth/],
    [{ path: 'a', rateLimit: '10 per second' }, /rateLimit/],
  ])('rejects %j', async (params, message) => {
    await expect(testNode(webhookTrigger, { params })).rejects.toThrow(message);
  });
});
