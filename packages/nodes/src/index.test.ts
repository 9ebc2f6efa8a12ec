import { describe, expect, test } from 'vitest';
import { paramsJsonSchema, testNode } from '@flowstate/sdk';
import { builtinNodes, createBuiltinRegistry } from './index.js';
import { httpOptionsFromEnv } from './http-request.js';

describe('builtin nodes', () => {
  test('every required node type is registered once', () => {
    const types = createBuiltinRegistry()
      .list()
      .map((n) => n.type);
    expect(types.sort()).toEqual(
      [
        'file.read',
        'file.write',
        'flow.call',
        'flow.if',
        'flow.loop',
        'flow.merge',
        'flow.return',
        'flow.switch',
        'http.request',
        'log',
        'sql.query',
        'script.js',
        'transform.jsonata',
        'transform.set',
        'trigger.event',
        'trigger.manual',
        'trigger.schedule',
        'trigger.webhook',
        'wait.approval',
        'wait.delay',
        'wait.event',
        'webhook.respond',
        'data.filter',
        'data.sort',
        'data.dedupe',
        'data.aggregate',
        'data.split',
        'csv.parse',
        'csv.build',
        'datetime.format',
        'crypto.hash',
        'crypto.hmac',
        'email.send',
        'slack.message',
        'teams.message',
        'notification.inapp',
      ].sort(),
    );
    expect(builtinNodes).toHaveLength(types.length);
  });

  test.each(builtinNodes.map((n) => [n.type, n] as const))(
    '%s has a JSON Schema for its params',
    (_type, node) => {
      expect(paramsJsonSchema(node)).toMatchObject({ type: 'object' });
    },
  );

  test('a custom HTTP policy and plugin nodes can be passed', async () => {
    const registry = createBuiltinRegistry({ http: { allowPrivateNetwork: true } });
    const http = registry.get('http.request');
    expect(http).toBeDefined();
    const result = await testNode(http!, { params: { url: 'http://10.0.0.1/' }, simulate: true });
    expect(result.output).toMatchObject({ simulated: true });
  });

  test('reads FLOWSTATE_HTTP_ALLOW_HOSTS', () => {
    expect(
      httpOptionsFromEnv({ FLOWSTATE_HTTP_ALLOW_HOSTS: ' a.internal, 10.0.0.0/8 ,,' }),
    ).toEqual({
      allowedHosts: ['a.internal', '10.0.0.0/8'],
    });
    expect(httpOptionsFromEnv({})).toEqual({ allowedHosts: [] });
  });
});

describe('node reference texts', () => {
  test.each(['http.request', 'sql.query', 'file.read', 'file.write'])(
    'every param of %s has a description',
    (type) => {
      const node = builtinNodes.find((n) => n.type === type);
      const schema = paramsJsonSchema(node!) as {
        properties: Record<string, { description?: string }>;
      };
      const missing = Object.entries(schema.properties)
        .filter(([, property]) => !property.description)
        .map(([name]) => name);
      expect(missing).toEqual([]);
    },
  );
});
