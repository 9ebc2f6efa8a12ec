import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redactor } from '@flowstate/engine';
import {
  AuditLog,
  CredentialService,
  loadConfig,
  loadKeyring,
  startServer,
} from '@flowstate/server';
import { SqliteStore } from '@flowstate/store-sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { main } from './cli.js';
import type { CliIo } from './io.js';

let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowstate-cli-admin-'));
  env = { FLOWSTATE_DATA_DIR: join(dir, 'data'), PORT: '0', FLOWSTATE_LOG_LEVEL: 'silent' };
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[], stdin?: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: dir,
    env,
    ...(stdin === undefined ? {} : { stdin: [Buffer.from(stdin)] }),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Starts the real server on the data folder; returns a fetch helper and `close`. */
async function serve() {
  const running = await startServer(loadConfig(env), {
    logDestination: { write: () => undefined },
  });
  return {
    call: (path: string, init: RequestInit = {}) => fetch(`${running.url}${path}`, init),
    close: () => running.close(),
  };
}

describe('flowstate users', () => {
  test('the first user is an owner (password from stdin); later ones need --role', async () => {
    const first = await cli(
      ['users', 'create', '--email', 'Ada@Example.com', '--password-stdin'],
      'a long password\n',
    );
    expect(first).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^created owner ada@example\.com \(usr_/),
    });
    const noRole = await cli([
      'users',
      'create',
      '--email',
      'b@example.com',
      '--password',
      'another password',
    ]);
    expect(noRole).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--role is required'),
    });
    const editor = await cli([
      'users',
      'create',
      '--email',
      'b@example.com',
      '--password',
      'another password',
      '--role',
      'editor',
      '--name',
      'Bea',
    ]);
    expect(editor.code).toBe(0);
    const dup = await cli([
      'users',
      'create',
      '--email',
      'B@example.com',
      '--password',
      'x password 1',
      '--role',
      'viewer',
    ]);
    expect(dup).toMatchObject({
      code: 1,
      stderr: 'EMAIL_TAKEN: A user with email b@example.com already exists.\n',
    });
    const weak = await cli([
      'users',
      'create',
      '--email',
      'c@example.com',
      '--password',
      'short',
      '--role',
      'viewer',
    ]);
    expect(weak.stderr).toMatch(/^WEAK_PASSWORD/);
    expect(
      (await cli(['users', 'create', '--email', 'x@example.com', '--role', 'viewer'])).code,
    ).toBe(2);
    expect(
      (
        await cli([
          'users',
          'create',
          '--email',
          'x@example.com',
          '--password',
          'p',
          '--role',
          'boss',
        ])
      ).stderr,
    ).toMatch(/--role must be one of/);
    const list = await cli(['users', 'list']);
    expect(list.stdout).toMatch(
      /^ada@example\.com\towner\tada\tusr_.+\nb@example\.com\teditor\tBea\tusr_/,
    );
    expect((await cli(['users', 'delete'])).code).toBe(2);
  });

  test('an API key made on the command line opens the API; the owner can sign in', async () => {
    await cli(['users', 'create', '--email', 'ada@example.com', '--password', 'a long password']);
    const key = await cli([
      'api-keys',
      'create',
      '--email',
      'ada@example.com',
      '--name',
      'bench',
      '--role',
      'editor',
    ]);
    expect(key.code).toBe(0);
    expect(key.stdout).toMatch(/^fsk_[\w-]{43}\n$/);
    expect(key.stderr).toContain('(editor) for ada@example.com');
    expect(
      (await cli(['api-keys', 'create', '--email', 'nobody@example.com', '--name', 'x'])).code,
    ).toBe(1);
    expect((await cli(['api-keys', 'create', '--email', 'ada@example.com'])).code).toBe(2);
    const server = await serve();
    try {
      const me = await server.call('/api/v1/auth/me', {
        headers: { authorization: `Bearer ${key.stdout.trim()}` },
      });
      expect(await me.json()).toMatchObject({ role: 'editor', via: 'api-key' });
      const login = await server.call('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@example.com', password: 'a long password' }),
      });
      expect(login.status).toBe(200);
      // The data folder is the server's while it runs.
      const locked = await cli(['users', 'list']);
      expect(locked).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('Stop the server first'),
      });
    } finally {
      await server.close();
    }
  });
});

describe('flowstate credentials rotate', () => {
  test('re-encrypts rows under the new key; without the old key they are reported', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    env['FLOWSTATE_SECRET_KEY'] = oldKey;
    const store = await SqliteStore.open(env['FLOWSTATE_DATA_DIR']!);
    const keyring = loadKeyring({ dataDir: env['FLOWSTATE_DATA_DIR']!, current: oldKey });
    const service = new CredentialService({
      store,
      keyring,
      audit: new AuditLog(store),
      redactor: new Redactor(),
    });
    const created = await service.create(
      { type: 'cli', id: 'test' },
      { name: 'api', type: 'bearer', data: { token: 'tok-1234' } },
    );
    await store.close();

    env['FLOWSTATE_SECRET_KEY'] = newKey;
    const withoutOld = await cli(['credentials', 'rotate']);
    expect(withoutOld.code).toBe(1);
    expect(withoutOld.stdout).toMatch(/0 re-encrypted, 0 already current, 1 failed/);
    expect(withoutOld.stderr).toMatch(
      /^api \(cred_.+\): Encrypted with key \w+, which is not configured/,
    );

    env['FLOWSTATE_SECRET_KEY_PREVIOUS'] = oldKey;
    expect((await cli(['credentials', 'rotate'])).stdout).toMatch(
      /1 re-encrypted, 0 already current, 0 failed/,
    );
    expect((await cli(['credentials', 'rotate'])).stdout).toMatch(
      /0 re-encrypted, 1 already current/,
    );

    const reopened = await SqliteStore.open(env['FLOWSTATE_DATA_DIR']!);
    try {
      const onlyNew = new CredentialService({
        store: reopened,
        keyring: loadKeyring({ dataDir: join(dir, 'elsewhere'), current: newKey }),
        audit: new AuditLog(reopened),
        redactor: new Redactor(),
      });
      expect((await onlyNew.resolve(created.id))?.data).toEqual({ token: 'tok-1234' });
    } finally {
      await reopened.close();
    }
    expect((await cli(['credentials', 'list'])).code).toBe(2);
  });
});

describe('flowstate audit verify', () => {
  test('passes on an intact log and names the first altered entry', async () => {
    await cli(['users', 'create', '--email', 'ada@example.com', '--password', 'a long password']);
    await cli([
      'users',
      'create',
      '--email',
      'b@example.com',
      '--password',
      'a long password',
      '--role',
      'viewer',
    ]);
    await cli(['api-keys', 'create', '--email', 'b@example.com', '--name', 'k']);
    const ok = await cli(['audit', 'verify']);
    expect(ok).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^audit log intact: 3 entries; last entry 3 has hash [0-9a-f]{64}\n$/,
      ),
    });
    const db = new Database(join(env['FLOWSTATE_DATA_DIR']!, 'flowstate.db'));
    try {
      db.exec('DROP TRIGGER audit_log_no_update');
      db.prepare(`UPDATE audit_log SET summary = '{"after":{"role":"owner"}}' WHERE seq = 2`).run();
    } finally {
      db.close();
    }
    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(
      /^audit log broken at entry 2: entry 2 \(user\.create user usr_\S+\) was altered/,
    );
  });
});
