import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from './cli.js';
import type { CliIo } from './io.js';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const examplePlugin = join(repoRoot, 'examples', 'flowstate-node-example');
let dir: string;
let brokenPlugin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowstate-cli-plugins-'));
  await writeFile(
    join(dir, 'slug.json'),
    JSON.stringify({
      schemaVersion: 1,
      name: 'Slug',
      nodes: [
        { id: 'start', type: 'trigger.manual', name: 'Start', params: {} },
        {
          id: 'slug',
          type: 'example.slugify',
          name: 'Slug',
          params: { text: '{{ $input.title }}' },
        },
      ],
      edges: [{ id: 'e1', from: 'start', to: 'slug' }],
    }),
  );
  brokenPlugin = join(dir, 'broken');
  await mkdir(brokenPlugin);
  await writeFile(join(brokenPlugin, 'package.json'), '{"name":"broken","type":"module"}');
  await writeFile(join(brokenPlugin, 'index.js'), 'export const nodes = [;\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(env: Record<string, string>, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: dir,
    env,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('CLI commands load plugins', () => {
  test('validate knows the node types of FLOWSTATE_PLUGINS folders', async () => {
    const without = await cli({}, 'validate', 'slug.json');
    expect(without.code).toBe(1);
    expect(without.stdout).toMatch(/\/nodes\/1\/type: .*example\.slugify/);
    const withPlugin = await cli({ FLOWSTATE_PLUGINS: examplePlugin }, 'validate', 'slug.json');
    expect(withPlugin).toEqual({ code: 0, stdout: 'valid\n', stderr: '' });
  });

  test('flowstate run (a real process) runs a plugin node and reports a broken plugin on stderr', () => {
    // Runs the built code (`npm test` builds first: `tsc -b` and `npm run build:plugins`).
    for (const built of [
      'packages/cli/dist/main.js',
      'examples/flowstate-node-example/dist/index.js',
    ])
      if (!existsSync(join(repoRoot, built)))
        throw new Error(`${built} is missing: run npm run build`);
    const result = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'packages/cli/bin/flowstate.js'),
        'run',
        'slug.json',
        '--input',
        '{"title":"Crème Brûlée Recipes"}',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        env: {
          PATH: process.env['PATH'] ?? '',
          FLOWSTATE_PLUGINS: `broken${delimiter}${examplePlugin}`,
        },
      },
    );
    expect(result.stderr).toContain(
      `warning: plugin "broken" skipped: importing ${join(brokenPlugin, 'index.js')} failed: SyntaxError`,
    );
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ slug: 'creme-brulee-recipes' });
  });
});
