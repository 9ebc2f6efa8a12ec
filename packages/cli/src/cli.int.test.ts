import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from './cli.js';
import type { CliIo } from './io.js';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowstate-cli-'));
  const manual = { id: 'start', type: 'trigger.manual', name: 'Start', params: {} };
  const write = (name: string, content: unknown) =>
    writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  await write('good.json', {
    schemaVersion: 1,
    name: 'Double',
    nodes: [
      manual,
      {
        id: 'double',
        type: 'transform.jsonata',
        name: 'Double',
        params: { expression: '$input.n * 2' },
      },
    ],
    edges: [{ id: 'e1', from: 'start', to: 'double' }],
  });
  await write('fails.json', {
    schemaVersion: 1,
    name: 'Fails',
    nodes: [
      manual,
      {
        id: 'boom',
        type: 'transform.jsonata',
        name: 'Boom',
        params: { expression: '$error("kaput")' },
        retry: { maxAttempts: 1 },
      },
    ],
    edges: [{ id: 'e1', from: 'start', to: 'boom' }],
  });
  await write('bad.json', {
    schemaVersion: 1,
    name: 'Bad',
    nodes: [{ id: 'x', type: 'no.such.type', name: 'X', params: {} }],
    edges: [{ id: 'e1', from: 'x', to: 'missing' }],
  });
  await write('broken.json', '{"schemaVersion": 1,');
  await write('crm.json', {
    schemaVersion: 1,
    name: 'New lead',
    nodes: [
      manual,
      {
        id: 'lead',
        type: 'crm.create-contact',
        name: 'Lead',
        params: { fields: { name: '{{ $input.name }}', email: '{{ $input.email }}' } },
      },
    ],
    edges: [{ id: 'e1', from: 'start', to: 'lead' }],
  });
  await write('crm-bad.json', {
    schemaVersion: 1,
    name: 'Bad lead',
    nodes: [
      manual,
      { id: 'lead', type: 'crm.create-contact', name: 'Lead', params: { upsertByEmail: 'yes' } },
    ],
    edges: [{ id: 'e1', from: 'start', to: 'lead' }],
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: dir,
    env: {},
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('flowstate validate', () => {
  test('a valid file prints "valid" and exits 0', async () => {
    expect(await cli('validate', 'good.json')).toEqual({ code: 0, stdout: 'valid\n', stderr: '' });
  });

  test('an invalid file prints each problem as "path: message" and exits 1', async () => {
    const { code, stdout, stderr } = await cli('validate', 'bad.json');
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^\/\S*: .+/);
    expect(stdout).toContain('/nodes/0/type: ');
    expect(stderr).toMatch(/bad\.json: \d+ problems/);
  });

  test('invalid JSON and missing files are clear errors', async () => {
    const broken = await cli('validate', 'broken.json');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^broken\.json: Request body is not valid JSON|^broken\.json: .*JSON/,
    );
    const missing = await cli('validate', 'nope.json');
    expect(missing).toMatchObject({ code: 1, stderr: 'Cannot read nope.json: ENOENT\n' });
  });
});

describe('flowstate run', () => {
  test('prints the output and a step timeline, and removes its temp store', async () => {
    const before = (await readdir(tmpdir())).filter((name) =>
      name.startsWith('flowstate-run-'),
    ).length;
    const { code, stdout, stderr } = await cli('run', 'good.json', '--input', '{"n": 21}');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toBe(42);
    const [header, ...rows] = stderr.trim().split('\n');
    expect(header).toMatch(/^step\s+node type\s+status\s+attempt\s+start\s+duration$/);
    expect(rows[0]).toMatch(/^start\s+trigger\.manual\s+succeeded\s+1\s+\+\d+ ms\s+(\d+ ms|-)$/);
    expect(rows[1]).toMatch(/^double\s+transform\.jsonata\s+succeeded\s+1\s+/);
    const after = (await readdir(tmpdir())).filter((name) =>
      name.startsWith('flowstate-run-'),
    ).length;
    expect(after).toBe(before);
  });

  test('crm.* nodes validate and run on the throw-away store', async () => {
    expect(await cli('validate', 'crm.json')).toMatchObject({ code: 0, stdout: 'valid\n' });
    const bad = await cli('validate', 'crm-bad.json');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/\/nodes\/1\/params\/fields: /);
    expect(bad.stdout).toMatch(/\/nodes\/1\/params\/upsertByEmail: /);
    const { code, stdout } = await cli(
      'run',
      'crm.json',
      '--input',
      '{"name": "Ada", "email": "ada@example.com"}',
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      id: expect.any(String),
      name: 'Ada',
      email: 'ada@example.com',
    });
  });

  test('--simulate records the change a side-effecting node would make instead of making it', async () => {
    const { code, stdout, stderr } = await cli(
      'run',
      'crm.json',
      '--simulate',
      '--input',
      '{"name": "Ada", "email": "ada@example.com"}',
    );
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      simulated: true,
      node: 'crm.create-contact',
      change: { fields: { name: 'Ada', email: 'ada@example.com' }, upsertByEmail: false },
    });
  });

  test('a failed execution prints its error and exits 1', async () => {
    const { code, stdout, stderr } = await cli('run', 'fails.json');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/boom\s+transform\.jsonata\s+failed/);
    expect(stderr).toMatch(/Execution failed at step boom: .*kaput/);
  });

  test('an invalid workflow or --input is refused before running', async () => {
    const invalid = await cli('run', 'bad.json');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('/nodes/0/type: ');
    const input = await cli('run', 'good.json', '--input', '{nope');
    expect(input.code).toBe(2);
    expect(input.stderr).toMatch(/^--input is not valid JSON/);
  });
});

describe('usage', () => {
  test('--help lists commands and environment variables', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const word of ['start', 'validate FILE', 'run FILE', 'FLOWSTATE_DATA_DIR', 'PORT'])
      expect(stdout).toContain(word);
  });

  test('unknown commands and options exit 2', async () => {
    expect(await cli('frobnicate')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Unknown command "frobnicate"'),
    });
    expect((await cli('validate', 'good.json', '--nope')).code).toBe(2);
  });
});

describe('the real binary', () => {
  beforeAll(() => {
    // Type errors elsewhere are the type-check's business; this test needs the emitted JS.
    const build = spawnSync(
      process.execPath,
      [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    if (!existsSync(join(repoRoot, 'packages/cli/dist/main.js'))) {
      throw new Error(
        `tsc -b packages/cli emitted no dist/main.js:\n${build.stdout}${build.stderr}`,
      );
    }
  }, 120_000);

  test('node packages/cli/bin/flowstate.js validate <bad file> exits 1 with the problems', () => {
    const result = spawnSync(
      process.execPath,
      ['packages/cli/bin/flowstate.js', 'validate', join(dir, 'bad.json')],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('/nodes/0/type: ');
  });

  test('flowstate start serves HTTP and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['packages/cli/bin/flowstate.js', 'start'], {
      cwd: repoRoot,
      env: {
        // DATABASE_URL of a test run names the test database, not this server's store.
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')),
        PORT: '0',
        FLOWSTATE_DATA_DIR: join(dir, 'start-data'),
        FLOWSTATE_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /"url":"(http:[^"]+)"/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      void exited.then((code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
