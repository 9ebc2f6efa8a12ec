import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadConfig } from '../config.js';
import { startServer } from '../start.js';
import { EXAMPLE_PLUGIN, makePluginApp, type PluginApp } from '../testing/plugin-fixtures.js';
import { TEST_OWNER } from '../testing/server-fixture.js';
import { chain, webhook } from '../testing/workflows.js';

let app: PluginApp;
beforeEach(async () => {
  app = await makePluginApp();
});
afterEach(async () => {
  await app.close();
});

test('a started server loads plugins from node_modules and FLOWSTATE_PLUGINS, reports the broken one, and runs plugin nodes', async () => {
  await app.install('flowstate-node-example', EXAMPLE_PLUGIN);
  await app.plugin('throws', { 'index.js': "throw new Error('needs ACME_TOKEN');\n" });
  const workflowsDir = join(app.root, 'workflows');
  await mkdir(workflowsDir);
  await writeFile(
    join(workflowsDir, 'slug.json'),
    JSON.stringify(
      chain('Slug', [
        webhook('slug'),
        {
          id: 'slug',
          type: 'example.slugify',
          name: 'Slug',
          params: { text: '{{ $input.body.title }}' },
        },
      ]),
    ),
  );
  const lines: Array<Record<string, unknown>> = [];
  const config = loadConfig({
    FLOWSTATE_DATA_DIR: join(app.root, 'data'),
    PORT: '0',
    FLOWSTATE_WORKFLOWS_DIR: workflowsDir,
    FLOWSTATE_SQLITE_SYNCHRONOUS: 'NORMAL',
    // Relative: resolved against the app folder.
    FLOWSTATE_PLUGINS: 'plugins/throws',
  });
  const running = await startServer(config, {
    cwd: app.root,
    logDestination: { write: (line) => void lines.push(JSON.parse(line)) },
  });
  try {
    const hook = await fetch(`${running.url}/hooks/slug`, {
      method: 'POST',
      body: JSON.stringify({ title: 'Hello Plugins' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(hook.status).toBe(200);
    expect(await hook.json()).toEqual({ slug: 'hello-plugins' });

    const setup = await fetch(`${running.url}/api/v1/setup`, {
      method: 'POST',
      body: JSON.stringify(TEST_OWNER),
      headers: { 'content-type': 'application/json' },
    });
    expect(setup.status).toBe(201);
    const cookie = setup.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const plugins = await fetch(`${running.url}/api/v1/plugins`, { headers: { cookie } });
    expect(plugins.status).toBe(200);
    expect(await plugins.json()).toMatchObject({
      loaded: [{ name: 'flowstate-node-example', source: 'node_modules' }],
      failed: [
        {
          name: 'throws',
          path: join(app.root, 'plugins', 'throws'),
          source: 'FLOWSTATE_PLUGINS',
          code: 'PLUGIN_IMPORT_FAILED',
          message: expect.stringContaining('Error: needs ACME_TOKEN'),
        },
      ],
    });
  } finally {
    await running.close();
  }
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 50,
      plugin: 'throws',
      path: join(app.root, 'plugins', 'throws'),
      code: 'PLUGIN_IMPORT_FAILED',
      msg: expect.stringContaining('plugin "throws" skipped'),
    }),
  );
  expect(lines).toContainEqual(
    expect.objectContaining({
      plugin: 'flowstate-node-example',
      nodeTypes: ['example.slugify', 'example.extract-emails'],
      msg: 'plugin loaded',
    }),
  );
});
