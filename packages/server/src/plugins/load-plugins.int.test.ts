import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { builtinNodes } from '@flowstate/nodes';
import {
  EXAMPLE_PLUGIN,
  makePluginApp,
  pluginDefining,
  SHOUT_PLUGIN,
  type PluginApp,
} from '../testing/plugin-fixtures.js';
import { loadPlugins, type PluginLogger } from './load-plugins.js';

let app: PluginApp;
beforeEach(async () => {
  app = await makePluginApp();
});
afterEach(async () => {
  await app.close();
});

const reservedTypes = builtinNodes.map((nodeType) => nodeType.type);

/** A logger that keeps its entries, to check what an operator would read. */
function recordingLogger() {
  const entries: Array<{ level: string; data: Record<string, unknown>; message: string }> = [];
  const logger: PluginLogger = {
    info: (data, message) => entries.push({ level: 'info', data, message }),
    error: (data, message) => entries.push({ level: 'error', data, message }),
  };
  return { logger, entries };
}

describe('loadPlugins', () => {
  test('loads a good plugin folder through its package.json main', async () => {
    const dir = await app.plugin('acme', { 'lib/main.js': SHOUT_PLUGIN }, { main: 'lib/main.js' });
    const report = await loadPlugins({ root: app.root, paths: [dir], reservedTypes });
    expect(report.failed).toEqual([]);
    expect(report.loaded).toEqual([
      {
        name: 'acme',
        version: '1.0.0',
        path: dir,
        source: 'FLOWSTATE_PLUGINS',
        nodeTypes: ['acme.shout'],
      },
    ]);
    expect(report.nodes.map((n) => n.type)).toEqual(['acme.shout']);
  });

  test('discovers flowstate-node-* and @scope/flowstate-node-* packages in node_modules, nothing else', async () => {
    await app.install('flowstate-node-example', EXAMPLE_PLUGIN);
    const scoped = await app.plugin('scoped', { 'index.js': pluginDefining('acme.scoped') });
    await app.install('@acme/flowstate-node-scoped', scoped);
    const other = await app.plugin('other', { 'index.js': pluginDefining('acme.other') });
    await app.install('not-a-flowstate-plugin', other);
    const report = await loadPlugins({ root: app.root, reservedTypes });
    expect(report.failed).toEqual([]);
    expect(report.loaded.map((p) => [p.name, p.source, p.nodeTypes])).toEqual([
      ['scoped', 'node_modules', ['acme.scoped']],
      ['flowstate-node-example', 'node_modules', ['example.slugify', 'example.extract-emails']],
    ]);
  });

  test('reports and skips every kind of broken plugin, loading the good ones', async () => {
    const { logger, entries } = recordingLogger();
    const good = await app.plugin('good', { 'index.js': SHOUT_PLUGIN });
    const paths = [
      good,
      await app.plugin('syntax', { 'index.js': 'export const nodes = [;\n' }),
      await app.plugin('throws', {
        'index.js': "throw new Error('ACME_TOKEN is not set');\nexport const nodes = [];\n",
      }),
      await app.plugin('builtin-clash', { 'index.js': pluginDefining('flow.if') }),
      await app.plugin('plugin-clash', { 'index.js': SHOUT_PLUGIN }),
      await app.plugin('garbage', { 'index.js': 'export default 42;\n' }),
      await app.plugin('half-node', {
        'index.js': "export const nodes = [{ type: 'acme.half', name: 'Half' }];\n",
      }),
      await app.plugin('empty', { 'index.js': 'export const nodes = [];\n' }),
      await app.plugin('unbuilt', {}, { main: 'dist/index.js' }),
      join(app.root, 'plugins', 'missing'),
    ];
    const report = await loadPlugins({ root: app.root, paths, reservedTypes, logger });

    expect(report.loaded.map((p) => p.name)).toEqual(['good']);
    expect(report.nodes.map((n) => n.type)).toEqual(['acme.shout']);
    const failed = Object.fromEntries(report.failed.map((f) => [f.name, f]));
    expect(Object.keys(failed)).toEqual([
      'syntax',
      'throws',
      'builtin-clash',
      'plugin-clash',
      'garbage',
      'half-node',
      'empty',
      'unbuilt',
      'missing',
    ]);
    expect(failed['syntax']).toMatchObject({ code: 'PLUGIN_IMPORT_FAILED' });
    expect(failed['syntax']?.message).toMatch(/importing .*syntax.*index\.js failed/);
    expect(failed['throws']).toMatchObject({ code: 'PLUGIN_IMPORT_FAILED' });
    expect(failed['throws']?.message).toMatch(/Error: ACME_TOKEN is not set/);
    expect(failed['builtin-clash']).toMatchObject({ code: 'PLUGIN_TYPE_CONFLICT' });
    expect(failed['builtin-clash']?.message).toMatch(
      /node type "flow\.if" is already a built-in node type/,
    );
    expect(failed['plugin-clash']).toMatchObject({ code: 'PLUGIN_TYPE_CONFLICT' });
    expect(failed['plugin-clash']?.message).toContain(
      `node type "acme.shout" is already defined by plugin "good" (${good})`,
    );
    expect(failed['garbage']).toMatchObject({ code: 'PLUGIN_INVALID_EXPORTS' });
    expect(failed['garbage']?.message).toMatch(/a default export that is a number/);
    expect(failed['half-node']).toMatchObject({ code: 'PLUGIN_INVALID_NODE' });
    expect(failed['half-node']?.message).toMatch(/nodes\[0\]: Node type "acme\.half": group/);
    expect(failed['empty']).toMatchObject({ code: 'PLUGIN_INVALID_EXPORTS' });
    expect(failed['unbuilt']).toMatchObject({ code: 'PLUGIN_ENTRY_NOT_FOUND' });
    expect(failed['unbuilt']?.message).toMatch(
      /dist\/index\.js does not exist .*is the plugin built/,
    );
    expect(failed['missing']).toMatchObject({
      code: 'PLUGIN_NOT_FOUND',
      source: 'FLOWSTATE_PLUGINS',
    });

    // Each failure is one error line naming the plugin, its path and the reason.
    const errors = entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(9);
    for (const failure of report.failed) {
      expect(errors).toContainEqual({
        level: 'error',
        data: {
          plugin: failure.name,
          path: failure.path,
          code: failure.code,
          reason: failure.message,
        },
        message: `plugin "${failure.name}" skipped: ${failure.message}`,
      });
    }
    expect(entries.filter((e) => e.level === 'info').map((e) => e.data['plugin'])).toEqual([
      'good',
    ]);
  });

  test('a plugin file may be listed directly, and the same plugin found twice loads once', async () => {
    const dir = await app.plugin('file', { 'shout.mjs': SHOUT_PLUGIN }, false);
    await app.install('flowstate-node-linked', EXAMPLE_PLUGIN);
    const report = await loadPlugins({
      root: app.root,
      paths: [join(dir, 'shout.mjs'), EXAMPLE_PLUGIN],
      reservedTypes,
    });
    expect(report.failed).toEqual([]);
    expect(report.loaded.map((p) => [p.name, p.source])).toEqual([
      ['flowstate-node-example', 'node_modules'],
      ['shout.mjs', 'FLOWSTATE_PLUGINS'],
    ]);
  });

  test('an import that never finishes is reported after the timeout', async () => {
    const dir = await app.plugin('hangs', {
      'index.js': 'await new Promise(() => undefined);\nexport const nodes = [];\n',
    });
    const report = await loadPlugins({
      root: app.root,
      paths: [dir],
      reservedTypes,
      importTimeoutMs: 200,
    });
    expect(report.failed).toMatchObject([{ name: 'hangs', code: 'PLUGIN_IMPORT_TIMEOUT' }]);
  });
});
