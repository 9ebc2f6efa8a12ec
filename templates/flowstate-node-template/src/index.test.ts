import { describe, expect, test } from 'vitest';
import { NonRetriableError, pluginNodeTypes, testNode } from '@flowstate/sdk';
import * as plugin from './index.js';
import { greet } from './index.js';

describe('my-nodes.greet', () => {
  test('greets by name, with the default greeting', async () => {
    const result = await testNode(greet, { params: { name: 'Ada' } });
    expect(result).toMatchObject({ port: 'out', output: { message: 'Hello, Ada!' } });
  });

  test('a blank name fails without retrying', async () => {
    await expect(testNode(greet, { params: { name: '  ' } })).rejects.toBeInstanceOf(
      NonRetriableError,
    );
  });
});

test('the plugin exports its node types the way Flowstate loads them', () => {
  expect(pluginNodeTypes(plugin).map((nodeType) => nodeType.type)).toEqual(['my-nodes.greet']);
});
