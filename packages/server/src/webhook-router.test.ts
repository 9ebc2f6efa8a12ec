import { createRegistry, type Workflow } from '@flowstate/core';
import { describe, expect, test } from 'vitest';
import { normalizeWebhookPath, WebhookRouter, webhookRoutesOf } from './webhook-router.js';

function workflow(nodes: Workflow['nodes']): Workflow {
  return { schemaVersion: 1, name: 'wf', nodes, edges: [] };
}

const registry = createRegistry([]);

describe('webhookRoutesOf', () => {
  test('one route per method of each enabled top-level webhook trigger', () => {
    const routes = webhookRoutesOf({
      workflowId: 'w1',
      version: 3,
      registry,
      definition: workflow([
        {
          id: 'a',
          type: 'trigger.webhook',
          name: 'A',
          params: { path: '/orders/', methods: ['post', 'PUT'] },
        },
        {
          id: 'b',
          type: 'trigger.webhook',
          name: 'B',
          params: { path: 'ping', method: 'GET', responseTimeoutMs: 50 },
        },
        { id: 'c', type: 'trigger.webhook', name: 'C', params: { path: 'off' }, disabled: true },
        { id: 'd', type: 'trigger.manual', name: 'D', params: {} },
        { id: 'e', type: 'trigger.webhook', name: 'E', params: { path: 'default' } },
      ]),
    });
    expect(
      routes.map((r) => `${r.method} ${r.path} ${r.triggerNodeId} ${r.responseTimeoutMs ?? '-'}`),
    ).toEqual(['POST orders a -', 'PUT orders a -', 'GET ping b 50', 'POST default e -']);
    expect(routes[0]).toMatchObject({ workflowId: 'w1', version: 3, workflowName: 'wf' });
  });
});

describe('WebhookRouter', () => {
  const route = (workflowId: string, method: string, path: string) => ({
    workflowId,
    workflowName: `name-${workflowId}`,
    version: 1,
    triggerNodeId: 't',
    method,
    path,
  });

  test('matches by method and normalised path, 405 lists allowed methods', () => {
    const router = new WebhookRouter();
    router.set('w1', [route('w1', 'POST', 'a/b'), route('w1', 'PUT', 'a/b')]);
    expect(router.match('POST', '/a//b/')).toMatchObject({
      kind: 'route',
      route: { workflowId: 'w1' },
    });
    expect(router.match('GET', 'a/b')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['POST', 'PUT'],
    });
    expect(router.match('POST', 'a')).toEqual({ kind: 'not-found' });
  });

  test('finds conflicts with other workflows only', () => {
    const router = new WebhookRouter();
    router.set('w1', [route('w1', 'POST', 'x')]);
    expect(router.findConflict('w1', [route('w1', 'POST', 'x')])).toBeUndefined();
    expect(router.findConflict('w2', [route('w2', 'GET', 'x')])).toBeUndefined();
    expect(router.findConflict('w2', [route('w2', 'POST', 'x')])?.other.workflowId).toBe('w1');
  });

  test('set replaces and remove drops a workflow routes', () => {
    const router = new WebhookRouter();
    router.set('w1', [route('w1', 'POST', 'x')]);
    router.set('w1', [route('w1', 'POST', 'y')]);
    expect(router.match('POST', 'x').kind).toBe('not-found');
    expect(router.match('POST', 'y').kind).toBe('route');
    router.remove('w1');
    expect(router.list()).toEqual([]);
    expect(router.match('POST', 'y').kind).toBe('not-found');
  });

  test.each([
    ['/a/b/', 'a/b'],
    ['a', 'a'],
    ['//', ''],
  ])('normalizeWebhookPath(%s) = %s', (input, expected) => {
    expect(normalizeWebhookPath(input)).toBe(expected);
  });
});
