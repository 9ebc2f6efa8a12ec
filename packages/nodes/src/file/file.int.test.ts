import { link, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { NonRetriableError } from '@flowstate/core';
import { testNode } from '@flowstate/sdk';
import { createFileReadNode } from './file-read.js';
import { createFileWriteNode } from './file-write.js';

let base: string;
let root: string;
let outside: string;
let read: ReturnType<typeof createFileReadNode>;
let write: ReturnType<typeof createFileWriteNode>;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'flowstate-files-'));
  root = join(base, 'data', 'files');
  outside = join(base, 'outside');
  await mkdir(root, { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), 'top secret');
  read = createFileReadNode({ root });
  write = createFileWriteNode({ root });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const escapes: [string, string][] = [
  ['../outside/secret.txt', '".."'],
  ['a/../../outside/secret.txt', '".."'],
  ['/etc/passwd', 'absolute'],
  ['..\\outside\\secret.txt', 'backslashes'],
  ['C:/Windows/win.ini', 'drive letters'],
  ['c:secret.txt', 'drive letters'],
  ['notes\0.txt', 'NUL'],
  ['', 'no file'],
  ['./', 'no file'],
];

describe('file.read / file.write confinement', () => {
  test.each(escapes)('refuses %j (%s) for read and write', async (path, reason) => {
    for (const node of [read, write]) {
      const params = node === read ? { path } : { path, content: 'x' };
      const error = await testNode(node as typeof read, { params }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (path === '') {
        expect(error).toBeInstanceOf(Error); // min(1): an invalid param
        continue;
      }
      expect(error).toBeInstanceOf(NonRetriableError);
      expect((error as NonRetriableError).code).toBe('PATH_NOT_ALLOWED');
      expect((error as Error).message).toContain(reason);
    }
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  test('a symlinked file planted inside the folder is refused', async () => {
    await symlink(join(outside, 'secret.txt'), join(root, 'link.txt'));
    await expect(testNode(read, { params: { path: 'link.txt' } })).rejects.toThrow(/symbolic link/);
    await expect(
      testNode(write, { params: { path: 'link.txt', content: 'pwned' } }),
    ).rejects.toThrow(/symbolic link/);
    await expect(
      testNode(write, { params: { path: 'link.txt', content: 'pwned', mode: 'append' } }),
    ).rejects.toThrow(/symbolic link/);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  test('a symlinked folder planted inside the folder is refused', async () => {
    await symlink(outside, join(root, 'out'));
    await expect(testNode(read, { params: { path: 'out/secret.txt' } })).rejects.toThrow(
      /"out" is a symbolic link/,
    );
    await expect(
      testNode(write, { params: { path: 'out/new.txt', content: 'x' } }),
    ).rejects.toThrow(/"out" is a symbolic link/);
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  test('a hard link to a file outside is refused (several names)', async () => {
    await link(join(outside, 'secret.txt'), join(root, 'hard.txt'));
    await expect(testNode(read, { params: { path: 'hard.txt' } })).rejects.toThrow(/hard links/);
    await expect(
      testNode(write, { params: { path: 'hard.txt', content: 'pwned', mode: 'append' } }),
    ).rejects.toThrow(/hard links/);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  test('a missing file is a FILE_NOT_FOUND error', async () => {
    await expect(testNode(read, { params: { path: 'nope/none.txt' } })).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });
});

describe('file.read / file.write round trips', () => {
  test('text: write creates folders, read returns the same text, size and sha256', async () => {
    const written = await testNode(write, {
      params: { path: 'reports/2026/day.txt', content: 'héllo wörld' },
    });
    const got = await testNode(read, { params: { path: 'reports/2026/day.txt' } });
    const { mode, ...facts } = written.output as Record<string, unknown>;
    expect(mode).toBe('overwrite');
    expect(got.output).toEqual({ ...facts, content: 'héllo wörld' });
    expect(written.output).toMatchObject({ size: Buffer.byteLength('héllo wörld') });
    expect(await readdir(join(root, 'reports/2026'))).toEqual(['day.txt']); // temp file gone
  });

  test('json and base64 round trip; latin1 encoding is honoured', async () => {
    await testNode(write, {
      params: { path: 'a.json', content: { n: 1, list: ['x'] }, format: 'json' },
    });
    expect(
      (await testNode(read, { params: { path: 'a.json', format: 'json' } })).output,
    ).toMatchObject({ content: { n: 1, list: ['x'] } });
    const bytes = Buffer.from([0, 255, 10, 13, 128]).toString('base64');
    await testNode(write, { params: { path: 'b.bin', content: bytes, format: 'base64' } });
    expect(
      (await testNode(read, { params: { path: 'b.bin', format: 'base64' } })).output,
    ).toMatchObject({ content: bytes, size: 5 });
    await testNode(write, { params: { path: 'c.txt', content: 'é', encoding: 'latin1' } });
    expect(await readFile(join(root, 'c.txt'))).toEqual(Buffer.from([0xe9]));
  });

  test('create refuses an existing file; overwrite replaces; append adds', async () => {
    await testNode(write, { params: { path: 'log.txt', content: 'one\n', mode: 'create' } });
    await expect(
      testNode(write, { params: { path: 'log.txt', content: 'x', mode: 'create' } }),
    ).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    const appended = await testNode(write, {
      params: { path: 'log.txt', content: 'two\n', mode: 'append' },
    });
    expect(await readFile(join(root, 'log.txt'), 'utf8')).toBe('one\ntwo\n');
    const whole = await testNode(read, { params: { path: 'log.txt' } });
    expect(appended.output).toMatchObject({
      size: 8,
      sha256: (whole.output as { sha256: string }).sha256,
    });
    await testNode(write, { params: { path: 'log.txt', content: 'three' } });
    expect(await readFile(join(root, 'log.txt'), 'utf8')).toBe('three');
    expect(await readdir(root)).toEqual(['log.txt']);
  });

  test('maxBytes refuses a bigger file; json that does not parse is an error', async () => {
    await writeFile(join(root, 'big.txt'), 'x'.repeat(100));
    await expect(
      testNode(read, { params: { path: 'big.txt', maxBytes: 99 } }),
    ).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
    await expect(
      testNode(read, { params: { path: 'big.txt', format: 'json' } }),
    ).rejects.toMatchObject({ code: 'FILE_NOT_JSON' });
  });

  test('simulation records the write and writes nothing', async () => {
    const result = await testNode(write, {
      params: { path: 'sim/out.txt', content: 'abc' },
      simulate: true,
    });
    expect(result.output).toMatchObject({ simulated: true, path: 'sim/out.txt', size: 3 });
    expect(await readdir(root)).toEqual([]);
  });
});
