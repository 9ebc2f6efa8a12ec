import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonValue, type NodeType } from '@flowstate/sdk';
import { TEXT_ENCODINGS } from './file-read.js';
import type { FileNodeOptions } from './options.js';
import {
  assertStillInside,
  canonicalRoot,
  O_NOFOLLOW,
  PathNotAllowedError,
  pathSegments,
  walkInside,
} from './safe-path.js';

const MAX_WRITE_BYTES = 256 * 1024 * 1024;

/** Params of `file.write`. */
export const fileWriteParams = z.object({
  path: z
    .string()
    .min(1)
    .max(4096)
    .describe(
      'Path of the file inside the data folder, with "/" separators, e.g. "exports/contacts.json"',
    ),
  content: z
    .json()
    .describe(
      'What to write: a string (text or base64, see format) or any JSON value (format json)',
    ),
  format: z
    .enum(['text', 'base64', 'json'])
    .default('text')
    .describe(
      'text writes the string encoded; base64 decodes it to bytes; json writes the value as JSON',
    ),
  encoding: z.enum(TEXT_ENCODINGS).default('utf8').describe('Character encoding of text and json'),
  mode: z
    .enum(['overwrite', 'create', 'append'])
    .default('overwrite')
    .describe(
      'overwrite replaces the file atomically; create fails if it exists; append adds to the end (not atomic)',
    ),
  createFolders: z
    .boolean()
    .default(true)
    .describe('Create missing parent folders inside the data folder'),
});
export type FileWriteParams = z.output<typeof fileWriteParams>;

/** The bytes `content` stands for in the requested format. */
export function encodeContent(p: FileWriteParams): Buffer {
  if (p.format === 'json') return Buffer.from(JSON.stringify(p.content), p.encoding);
  if (typeof p.content !== 'string')
    throw new NonRetriableError(`content must be a string when format is ${p.format}`, {
      code: 'INVALID_FILE_CONTENT',
    });
  if (p.format === 'text') return Buffer.from(p.content, p.encoding);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(p.content.replace(/\s/g, '')))
    throw new NonRetriableError('content is not valid base64', { code: 'INVALID_FILE_CONTENT' });
  return Buffer.from(p.content, 'base64');
}

/**
 * Creates `file.write`: writes one file in the host's data folder. `overwrite` and `create`
 * write a temporary file beside the target and rename (or hard-link, for `create`) it into
 * place, so readers never see half a file. Outputs `{ path, size, sha256, mode }`. In
 * simulation it records what it would write and writes nothing.
 */
export function createFileWriteNode(options: FileNodeOptions): NodeType<FileWriteParams> {
  return defineNode({
    type: 'file.write',
    name: 'Write file',
    group: 'data',
    description:
      'Writes text, base64 bytes or JSON to a file in the data folder (overwrite, create or append). Paths are relative; "..", absolute paths and links are refused.',
    icon: 'file-pen',
    params: fileWriteParams,
    sideEffects: true,
    async run(ctx): Promise<JsonValue> {
      const p = ctx.params;
      const segments = pathSegments(p.path);
      const bytes = encodeContent(p);
      if (bytes.length > MAX_WRITE_BYTES)
        throw new NonRetriableError(`content is ${bytes.length} bytes, over ${MAX_WRITE_BYTES}`, {
          code: 'FILE_TOO_LARGE',
        });
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (ctx.simulate)
        return { simulated: true, path: p.path, mode: p.mode, size: bytes.length, sha256: digest };

      const root = await canonicalRoot(options.root);
      const target = await walkInside({
        root,
        path: p.path,
        segments,
        createDirs: p.createFolders,
      });
      const folder = dirname(target);
      if (folder !== root) await assertStillInside(root, folder, p.path);
      await refuseHardLinked(target, p.path);
      if (p.mode === 'append') return appendTo(target, bytes, p.path);
      const temp = join(folder, `.${basename(target)}.${randomUUID()}.tmp`);
      try {
        await writeNew(temp, bytes);
        if (p.mode === 'create') {
          await link(temp, target).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'EEXIST')
              throw new NonRetriableError(`File ${JSON.stringify(p.path)} already exists`, {
                code: 'FILE_EXISTS',
              });
            throw error;
          });
        } else {
          await rename(temp, target);
        }
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      return { path: p.path, mode: p.mode, size: bytes.length, sha256: digest };
    },
  });
}

/** An existing target with several names could be a file outside the folder: refuse it. */
async function refuseHardLinked(target: string, path: string): Promise<void> {
  const stats = await lstat(target).catch(() => null);
  if (stats === null) return;
  if (stats.isSymbolicLink()) throw new PathNotAllowedError(path, 'it is a symbolic link');
  if (!stats.isFile()) throw new PathNotAllowedError(path, 'it is not a regular file');
  if (stats.nlink > 1) throw new PathNotAllowedError(path, 'it has several hard links');
}

async function writeNew(path: string, bytes: Buffer): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;
  const handle = await open(path, flags, 0o644);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function appendTo(target: string, bytes: Buffer, path: string): Promise<JsonValue> {
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | O_NOFOLLOW;
  let handle: FileHandle;
  try {
    handle = await open(target, flags, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new PathNotAllowedError(path, 'it is a symbolic link');
    throw error;
  }
  try {
    const before = await handle.stat();
    if (!before.isFile() || before.nlink > 1)
      throw new PathNotAllowedError(path, 'it is not a regular file with a single name');
    await handle.writeFile(bytes);
    await handle.sync();
    const hash = createHash('sha256');
    const reader = await open(target, constants.O_RDONLY | O_NOFOLLOW);
    try {
      for await (const chunk of reader.createReadStream()) hash.update(chunk as Buffer);
    } finally {
      await reader.close().catch(() => undefined);
    }
    const after = await handle.stat();
    return { path, mode: 'append', size: after.size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}
