import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Workflow } from '@flowstate/core';
import { Redactor, type LoadedExecution, type Store } from '@flowstate/engine';
import {
  AuditLog,
  CredentialService,
  loadConfig,
  loadKeyring,
  startServer,
  type RunningServer,
} from '@flowstate/server';
import {
  createTestSchema,
  databaseUrlWithSchema,
  dropTestSchema,
  pgTestEnv,
} from '@flowstate/store-postgres/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from './cli.js';
import type { CliIo } from './io.js';

const env = pgTestEnv();
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const QUIET = { FLOWSTATE_LOG_LEVEL: 'silent', PORT: '0' };
const OWNER = { email: 'owner@example.com', password: 'a long owner password' };

async function cli(argv: string[], cliEnv: Record<string, string>, cwd: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd,
    env: cliEnv,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The real binary (`node packages/cli/bin/flowstate.js …`), without the test's DATABASE_URL. */
function binary(argv: string[], extraEnv: Record<string, string>) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => k !== 'DATABASE_URL' && !k.startsWith('FLOWSTATE_'),
    ),
  );
  return spawnSync(process.execPath, ['packages/cli/bin/flowstate.js', ...argv], {
    cwd: repoRoot,
    env: { ...base, ...extraEnv },
    encoding: 'utf8',
  });
}

/** `call(method, path, body?)` against a running server's `/api/v1` with an API key. */
function client(server: RunningServer, key: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 600) {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const finished = (store: Store, id: string) =>
  until(`execution ${id} to finish`, async () => {
    const execution = await store.getExecution(id);
    return execution && execution.status !== 'running' ? execution : undefined;
  });

const parked = (store: Store, id: string, nodeId: string) =>
  until(`${id} to wait at ${nodeId}`, async () => {
    const loaded = await store.loadExecution(id);
    return loaded?.steps.some((s) => s.nodeId === nodeId && s.status === 'waiting')
      ? true
      : undefined;
  });

type Node = Workflow['nodes'][number];
const flow = (name: string, nodes: Node[]): Workflow => ({
  schemaVersion: 1,
  name,
  nodes,
  // wait.event answers on its `received` port, wait.approval on `approved`.
  edges: nodes.slice(1).map((n, i) => ({
    id: `e${i}`,
    from: nodes[i]!.id,
    ...(nodes[i]!.type === 'wait.event' ? { port: 'received' } : {}),
    ...(nodes[i]!.type === 'wait.approval' ? { port: 'approved' } : {}),
    to: n.id,
  })),
});
const manual: Node = { id: 'start', type: 'trigger.manual', name: 'Start', params: {} };
const set = (fields: Record<string, unknown>): Node => ({
  id: 'out',
  type: 'transform.set',
  name: 'out',
  params: { fields },
});
const waitEvent = (event: string, key: string): Node => ({
  id: 'wait',
  type: 'wait.event',
  name: 'wait',
  params: { event, correlationKey: key },
});

describe.skipIf(!env.available)('flowstate migrate (SQLite data folder to PostgreSQL)', () => {
  let dir: string;
  let schema: string;
  let dataDir: string;
  let apiKey: string;
  const ids: Record<string, string> = {};
  const before: Record<string, LoadedExecution> = {};
  let credentialId: string;
  let sourceSchedules: unknown;
  let sourceVersions: unknown;
  let auditEntries: number;

  beforeAll(async () => {
    // The real-binary cases need the emitted JS of the CLI and what it imports.
    spawnSync(
      process.execPath,
      [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'],
      {
        cwd: repoRoot,
      },
    );
    if (!existsSync(join(repoRoot, 'packages/cli/dist/main.js')))
      throw new Error('tsc -b packages/cli emitted no dist/main.js');
    dir = await mkdtemp(join(tmpdir(), 'flowstate-migrate-'));
    dataDir = join(dir, 'data');
    schema = await createTestSchema();
    const sqliteEnv = { ...QUIET, FLOWSTATE_DATA_DIR: dataDir };
    await cli(
      ['users', 'create', '--email', OWNER.email, '--password', OWNER.password],
      sqliteEnv,
      dir,
    );
    const key = await cli(
      ['api-keys', 'create', '--email', OWNER.email, '--name', 'ci'],
      sqliteEnv,
      dir,
    );
    apiKey = /fsk_\S+/.exec(key.stdout)![0];

    const server = await startServer(loadConfig(sqliteEnv), {
      logDestination: { write: () => undefined },
    });
    try {
      const call = client(server, apiKey);
      const create = async (id: string, definition: Workflow) => {
        const res = await call('POST', '/workflows?active=true&message=first', {
          id,
          ...definition,
        });
        expect(res.status).toBe(201);
      };
      await create(
        'delayed',
        flow('Delayed', [
          manual,
          { id: 'pause', type: 'wait.delay', name: 'pause', params: { durationMs: 3000 } },
          set({ done: true }),
        ]),
      );
      await create(
        'waits',
        flow('Waits', [
          manual,
          waitEvent('order.paid', '{{ $trigger.order }}'),
          set({ order: '{{ $trigger.order }}' }),
        ]),
      );
      await create(
        'child',
        flow('Child', [
          manual,
          waitEvent('child.go', '{{ $trigger.k }}'),
          set({ child: '{{ $trigger.k }}' }),
        ]),
      );
      await create(
        'parent',
        flow('Parent', [
          manual,
          {
            id: 'call',
            type: 'flow.call',
            name: 'call',
            params: { workflowId: 'child', input: { k: 'c-1' } },
          },
          set({ fromChild: '{{ $steps.call.child }}' }),
        ]),
      );
      await create('quick', flow('Quick', [manual, set({ doubled: '{{ $trigger.n * 2 }}' })]));
      const v2 = await call('PUT', '/workflows/quick?publish=true&message=triple', {
        ...flow('Quick', [manual, set({ tripled: '{{ $trigger.n * 3 }}' })]),
      });
      expect(v2.status).toBe(200);
      await create(
        'failing',
        flow('Failing', [
          manual,
          {
            id: 'boom',
            type: 'transform.jsonata',
            name: 'boom',
            params: { expression: '$error("boom")' },
            retry: { maxAttempts: 1 },
          },
        ]),
      );
      await create(
        'cron',
        flow('Cron', [
          { id: 'tick', type: 'trigger.schedule', name: 'tick', params: { cron: '0 0 1 1 *' } },
          set({ ticked: true }),
        ]),
      );
      await create(
        'approval',
        flow('Approval', [
          manual,
          {
            id: 'approve',
            type: 'wait.approval',
            name: 'approve',
            params: { approvers: [OWNER.email], message: 'Ship it?' },
          },
          set({ approved: true }),
        ]),
      );
      const credential = await call('POST', '/credentials', {
        name: 'api token',
        type: 'bearer',
        data: { token: 'tok-123' },
      });
      expect(credential.status).toBe(201);
      credentialId = credential.body.id;

      const run = async (id: string, input: unknown, simulate?: true) => {
        const res = await call('POST', `/workflows/${id}/run`, { input, simulate });
        expect([200, 202]).toContain(res.status);
        return res.body.executionId as string;
      };
      ids['delayed'] = await run('delayed', {});
      ids['waits'] = await run('waits', { order: 'o-1' });
      ids['parent'] = await run('parent', {});
      ids['approval'] = await run('approval', {});
      ids['quick'] = await run('quick', { n: 7 });
      ids['failing'] = await run('failing', {});
      ids['simulated'] = await run('quick', { n: 2 }, true);
      // Above the 256 KiB blob threshold: stored in blobs on both sides.
      ids['big'] = await run('quick', { n: 1, pad: 'x'.repeat(300_000) });
      await parked(server.store, ids['delayed'], 'pause');
      await parked(server.store, ids['waits'], 'wait');
      await parked(server.store, ids['parent'], 'call');
      await parked(server.store, ids['approval'], 'approve');
      const children = await server.store.listChildExecutions(ids['parent']);
      ids['child'] = children[0]!.id;
      await parked(server.store, ids['child'], 'wait');
      expect((await finished(server.store, ids['quick'])).status).toBe('succeeded');
      expect((await finished(server.store, ids['failing'])).status).toBe('failed');
      expect((await finished(server.store, ids['big'])).status).toBe('succeeded');
      expect(await finished(server.store, ids['simulated'])).toMatchObject({ simulate: true });
      for (const name of ['quick', 'failing', 'big', 'simulated'])
        before[name] = (await server.store.loadExecution(ids[name]!))!;
      sourceSchedules = await server.store.listSchedules();
      sourceVersions = await server.store.listWorkflowVersions('quick', { limit: 10 });

      // While the server holds the folder, migrate refuses.
      const locked = await cli(['migrate', '--to', databaseUrlWithSchema(schema)], sqliteEnv, dir);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain('Stop the server first');
    } finally {
      await server.close();
    }
    // The finished one was journaled compactly (one column), which migrate expands into rows.
    const db = new Database(join(dataDir, 'flowstate.db'), { readonly: true });
    const compact = db.prepare('SELECT steps_json IS NOT NULL AS c FROM executions WHERE id = ?');
    expect(compact.get(ids['quick'])).toEqual({ c: 1 });
    db.close();
  }, 240_000);

  afterAll(async () => {
    if (schema !== undefined) await dropTestSchema(schema);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  test('the real binary: a dry run counts and writes nothing; an unreachable target exits 1', async () => {
    const dry = binary(['migrate', '--dry-run', '--to', databaseUrlWithSchema(schema)], {
      FLOWSTATE_DATA_DIR: dataDir,
    });
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/workflows\s+8\n/);
    expect(dry.stdout).toMatch(/executions\s+9 \(5 not finished\)/);
    expect(dry.stdout).toMatch(/credentials\s+1\n/);
    expect(dry.stdout).toContain('The target is reachable and empty.');
    const unreachable = binary(['migrate', '--to', 'postgres://postgres@127.0.0.1:1/nothing'], {
      FLOWSTATE_DATA_DIR: dataDir,
    });
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain(
      'DATABASE_UNREACHABLE: Cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:1/nothing',
    );
  }, 180_000);

  test('a missing data folder is refused and not created', async () => {
    const missing = join(dir, 'nothing-here');
    const result = await cli(
      ['migrate', '--to', databaseUrlWithSchema(schema)],
      { FLOWSTATE_DATA_DIR: missing },
      dir,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`DATA_DIR_MISSING: No Flowstate data folder at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });

  test('copies everything; moved executions finish on PostgreSQL; a second run is refused', async () => {
    const migrated = await cli(
      ['migrate', '--to', databaseUrlWithSchema(schema)],
      { FLOWSTATE_DATA_DIR: dataDir },
      dir,
    );
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/executions\s+9 \(5 not finished\)/);
    expect(migrated.stdout).toMatch(/API keys\s+1\n/);
    expect(migrated.stdout).toMatch(/blobs \(large payloads\)\s+[1-9]/);
    const secretKey = /FLOWSTATE_SECRET_KEY=(\S+)/.exec(migrated.stdout)![1]!;

    const again = await cli(
      ['migrate', '--to', databaseUrlWithSchema(schema)],
      { FLOWSTATE_DATA_DIR: dataDir },
      dir,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/TARGET_NOT_EMPTY: .*already holds Flowstate data \(workflows: 8/);

    const pgServer = await startServer(
      loadConfig({
        ...QUIET,
        DATABASE_URL: databaseUrlWithSchema(schema),
        FLOWSTATE_SECRET_KEY: secretKey,
        // A folder without the generated key: the printed key alone must decrypt.
        FLOWSTATE_DATA_DIR: join(dir, 'pg-server'),
      }),
      { logDestination: { write: () => undefined } },
    );
    try {
      const store = pgServer.store;
      const call = client(pgServer, apiKey);
      expect((await call('GET', '/auth/me')).body).toMatchObject({
        user: { email: OWNER.email },
        via: 'api-key',
      });

      for (const name of ['quick', 'failing', 'big', 'simulated']) {
        expect(await store.loadExecution(ids[name]!)).toEqual(before[name]);
      }
      expect(before['quick']!.execution.output).toMatchObject({ tripled: 21 });
      expect(before['quick']!.steps.map((step) => step.nodeId)).toEqual(['start', 'out']);
      expect(await store.listSchedules()).toEqual(sourceSchedules);
      expect(await store.listWorkflowVersions('quick', { limit: 10 })).toEqual(sourceVersions);

      const paid = await call('POST', '/events', {
        name: 'order.paid',
        correlationKey: 'o-1',
        payload: { total: 42 },
      });
      expect(paid.body.resumed).toEqual([{ executionId: ids['waits'], stepKey: 'wait' }]);
      const go = await call('POST', '/events', {
        name: 'child.go',
        correlationKey: 'c-1',
        payload: {},
      });
      expect(go.body.resumed).toEqual([{ executionId: ids['child'], stepKey: 'wait' }]);
      const decided = await call('POST', `/approvals/${ids['approval']}/approve/decide`, {
        decision: 'approve',
      });
      expect(decided.status).toBe(200);
      expect(await finished(store, ids['approval']!)).toMatchObject({
        status: 'succeeded',
        output: { approved: true },
      });
      expect(await finished(store, ids['waits']!)).toMatchObject({
        status: 'succeeded',
        output: { order: 'o-1' },
      });
      expect(await finished(store, ids['child']!)).toMatchObject({
        status: 'succeeded',
        output: { child: 'c-1' },
      });
      expect(await finished(store, ids['parent']!)).toMatchObject({
        status: 'succeeded',
        output: { fromChild: 'c-1' },
      });
      expect(await finished(store, ids['delayed']!)).toMatchObject({
        status: 'succeeded',
        output: { done: true },
      });

      const [migration] = await store.listAudit({ limit: 1, action: 'store.migrate' });
      expect(migration).toMatchObject({
        actor: { type: 'cli' },
        summary: { after: { workflows: 8, executions: 9 } },
      });
      const audit = await new AuditLog(store).verify();
      expect(audit.ok).toBe(true);
      expect(audit.checked).toBeGreaterThan(8);
      auditEntries = audit.checked;
      const credentials = new CredentialService({
        store,
        keyring: loadKeyring({ dataDir: join(dir, 'pg-server'), current: secretKey }),
        audit: new AuditLog(store),
        redactor: new Redactor(),
      });
      expect((await credentials.resolve(credentialId))?.data).toEqual({ token: 'tok-123' });
    } finally {
      await pgServer.close();
    }
    const verify = await cli(
      ['audit', 'verify'],
      {
        DATABASE_URL: databaseUrlWithSchema(schema),
        FLOWSTATE_SECRET_KEY: secretKey,
      },
      dir,
    );
    expect(verify.stdout).toContain(`audit log intact: ${auditEntries} entries`);
  }, 180_000);
});
