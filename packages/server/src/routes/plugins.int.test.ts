import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { builtinNodes } from '@flowstate/nodes';
import { loadPlugins } from '../plugins/load-plugins.js';
import {
  EXAMPLE_PLUGIN,
  makePluginApp,
  pluginDefining,
  SHOUT_PLUGIN,
  type PluginApp,
} from '../testing/plugin-fixtures.js';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, manual } from '../testing/workflows.js';

let app: PluginApp;
let server: ServerFixture;
beforeAll(async () => {
  app = await makePluginApp();
  const report = await loadPlugins({
    root: app.root,
    paths: [
      EXAMPLE_PLUGIN,
      await app.plugin('acme', { 'index.js': SHOUT_PLUGIN }),
      await app.plugin('broken', { 'index.js': pluginDefining('broken.node') + '\n}' }),
      await app.plugin('clash', { 'index.js': pluginDefining('log') }),
    ],
    reservedTypes: builtinNodes.map((n) => n.type),
  });
  server = await makeServer({ extraNodes: report.nodes, plugins: report });
});
afterAll(async () => {
  await server?.close();
  await app?.close();
});

const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
  server.inject({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

describe('plugins over the API', () => {
  test('GET /plugins lists the loaded plugins with their node types and the failed ones with the reason', async () => {
    const res = await api('GET', '/plugins');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.loaded).toMatchObject([
      {
        name: 'flowstate-node-example',
        version: '0.1.0',
        source: 'FLOWSTATE_PLUGINS',
        nodeTypes: ['example.slugify', 'example.extract-emails'],
      },
      { name: 'acme', nodeTypes: ['acme.shout'] },
    ]);
    expect(body.failed).toMatchObject([
      { name: 'broken', code: 'PLUGIN_IMPORT_FAILED' },
      {
        name: 'clash',
        code: 'PLUGIN_TYPE_CONFLICT',
        message: expect.stringContaining('node type "log" is already a built-in node type'),
      },
    ]);
    expect(body.failed[0].path).toMatch(/plugins[\\/]broken$/);
  });

  test('plugin nodes are in the palette with their params as JSON Schema', async () => {
    const items = (await api('GET', '/node-types')).json().items as Array<{
      type: string;
      params: { properties: Record<string, { description?: string; default?: unknown }> };
      ports?: string[];
    }>;
    const slugify = items.find((item) => item.type === 'example.slugify');
    expect(slugify?.params.properties['text']?.description).toMatch(/slug/);
    expect(slugify?.params.properties['maxLength']?.default).toBe(60);
    expect(items.find((item) => item.type === 'example.extract-emails')?.ports).toEqual([
      'out',
      'none',
    ]);
    expect(items.map((item) => item.type)).toContain('acme.shout');
    expect(items.map((item) => item.type)).not.toContain('broken.node');
  });

  test('a workflow using plugin nodes runs', async () => {
    const workflow = chain('Lead intake', [
      manual(),
      {
        id: 'emails',
        type: 'example.extract-emails',
        name: 'Emails',
        params: { text: '{{ $input.message }}' },
      },
      {
        id: 'slug',
        type: 'example.slugify',
        name: 'Slug',
        params: { text: '{{ $input.emails[0] }}' },
      },
      { id: 'shout', type: 'acme.shout', name: 'Shout', params: { text: '{{ $input.slug }}' } },
    ]);
    expect(
      (await api('POST', '/workflows?publish=true', { id: 'lead', ...workflow })).statusCode,
    ).toBe(201);
    const run = await api('POST', '/workflows/lead/run?wait=10000', {
      input: { message: 'Please call Ann.Lee@Example.com today' },
    });
    expect(run.statusCode).toBe(200);
    expect(run.json().execution).toMatchObject({
      status: 'succeeded',
      output: { shouted: 'ANN-LEE-EXAMPLE-COM!' },
    });
  });

  test("a failed plugin's node types are unknown to validation", async () => {
    const res = await api('POST', '/workflows/validate', {
      ...chain('Uses broken', [manual(), { id: 'b', type: 'broken.node', name: 'B', params: {} }]),
    });
    expect(res.json()).toMatchObject({
      valid: false,
      problems: [{ path: '/nodes/1/type', message: expect.stringContaining('broken.node') }],
    });
  });
});
