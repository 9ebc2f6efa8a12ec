import { createBuiltinRegistry } from '@flowstate/nodes';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { buildServer } from './app.js';
import { makeServer, type ServerFixture } from './testing/server-fixture.js';
import { chain, jsonata, manual, webhook } from './testing/workflows.js';

let server: ServerFixture | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The owner's API key (made by the fixture; valid in every app over the same store). */
function auth() {
  return { authorization: `Bearer ${server!.ownerKey}` };
}

function captureLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function writeFiles(dir: string, files: Record<string, unknown>) {
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await writeFile(
      join(dir, name),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
  }
}

describe('FLOWSTATE_WORKFLOWS_DIR', () => {
  test('valid files are created and activated; invalid ones are logged and skipped', async () => {
    server = await makeServer();
    const dir = join(server.dir, 'workflows');
    await writeFiles(dir, {
      'a-valid.json': {
        id: 'orders',
        ...chain('Orders', [webhook('orders'), jsonata('v', '"ok"')]),
      },
      'named.json': chain('Named', [manual()]),
      'bad-type.json': chain('Bad', [{ id: 'x', type: 'no.such', name: 'X', params: {} }]),
      'broken.json': '{"schemaVersion": ',
      'taken.json': chain('Taken', [webhook('orders')]),
      'notes.txt': 'ignored',
    });
    const { logger, lines } = captureLogger();
    const app = buildServer({
      store: server.store,
      engine: server.engine,
      registry: createBuiltinRegistry(),
      logger,
      workflowsDir: dir,
    });
    try {
      await app.ready();
      const list = (
        await app.inject({ method: 'GET', url: '/api/v1/workflows', headers: auth() })
      ).json().items;
      expect(
        list.map((w: { id: string; active: boolean }) => `${w.id}:${w.active}`).sort(),
      ).toEqual(['named:true', 'orders:true']);
      expect((await app.inject({ method: 'POST', url: '/hooks/orders', payload: {} })).json()).toBe(
        'ok',
      );

      const skipped = lines.filter((line) =>
        line['msg']?.toString().startsWith('workflow file skipped'),
      );
      expect(skipped.map((line) => String(line['file']).split('/').pop()).sort()).toEqual([
        'bad-type.json',
        'broken.json',
        'taken.json',
      ]);
      const badType = skipped.find((line) => String(line['file']).endsWith('bad-type.json'));
      expect((badType?.['problems'] as string[]).some((p) => p.startsWith('/nodes/0/type'))).toBe(
        true,
      );
      const taken = skipped.find((line) => String(line['file']).endsWith('taken.json'));
      expect(String(taken?.['msg'])).toContain('"Orders" (orders)');
    } finally {
      await app.close();
    }
  });

  test('a restart saves no new version for unchanged files, and a new one for changed files', async () => {
    server = await makeServer();
    const dir = join(server.dir, 'workflows');
    const boot = async () => {
      const app = buildServer({
        store: server!.store,
        engine: server!.engine,
        registry: createBuiltinRegistry(),
        workflowsDir: dir,
      });
      await app.ready();
      const view = (
        await app.inject({ method: 'GET', url: '/api/v1/workflows/flow', headers: auth() })
      ).json();
      await app.close();
      return view;
    };
    await writeFiles(dir, { 'flow.json': chain('Flow', [manual()]) });
    expect(await boot()).toMatchObject({ draftVersion: 1, publishedVersion: 1, active: true });
    expect(await boot()).toMatchObject({ draftVersion: 1, publishedVersion: 1, active: true });
    await writeFiles(dir, { 'flow.json': chain('Flow v2', [manual()]) });
    expect(await boot()).toMatchObject({
      draftVersion: 2,
      publishedVersion: 2,
      name: 'Flow v2',
      active: true,
    });
  });

  test('a missing folder fails startup naming the variable', async () => {
    server = await makeServer();
    const app = buildServer({
      store: server.store,
      engine: server.engine,
      registry: createBuiltinRegistry(),
      workflowsDir: join(server.dir, 'nope'),
    });
    await expect(app.ready()).rejects.toThrow(/FLOWSTATE_WORKFLOWS_DIR/);
    await app.close().catch(() => undefined);
  });
});
