import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonValue, type NodeType } from '@flowstate/sdk';
import type { FileNodeOptions } from './options.js';
import {
  assertStillInside,
  canonicalRoot,
  notFound,
  O_NOFOLLOW,
  PathNotAllowedError,
  pathSegments,
  walkInside,
} from './safe-path.js';

/** Text encodings the file nodes read and write. */
export const TEXT_ENCODINGS = ['utf8', 'utf16le', 'latin1', 'ascii'] as const;

/** Params of `file.read`. */
export const fileReadParams = z.object({
  path: z
    .string()
    .min(1)
    .max(4096)
    .describe(
      'Path of the file inside the data folder, with "/" separators, e.g. "reports/today.csv"',
    ),
  format: z
    .enum(['text', 'base64', 'json'])
    .default('text')
    .describe('How to return the content: text (decoded), base64 (raw bytes) or json (parsed)'),
  encoding: z
    .enum(TEXT_ENCODINGS)
    .default('utf8')
    .describe('Character encoding of a text or json file'),
  maxBytes: z
    .int()
    .min(1)
    .max(1024 * 1024 * 1024)
    .default(10 * 1024 * 1024)
    .describe('Largest file to read, in bytes; a bigger file is an error'),
});
export type FileReadParams = z.output<typeof fileReadParams>;

/**
 * Opens a file for reading without following links, after walking every component with
 * lstat, and checks once open that it is a regular file with one name (a hard link could
 * expose a file from outside the folder) whose real path is still inside the folder.
 */
export async function openInside(options: { root: string; path: string; flags: number }) {
  const segments = pathSegments(options.path);
  const root = await canonicalRoot(options.root);
  const target = await walkInside({ root, path: options.path, segments });
  let handle;
  try {
    handle = await open(target, options.flags | O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(options.path);
    if (code === 'ELOOP') throw new PathNotAllowedError(options.path, 'it is a symbolic link');
    if (code === 'EISDIR') throw new PathNotAllowedError(options.path, 'it is a folder');
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new PathNotAllowedError(options.path, 'it is not a regular file');
    if (stats.nlink > 1) throw new PathNotAllowedError(options.path, 'it has several hard links');
    await assertStillInside(root, target, options.path);
    return { handle, stats, root, target };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Decodes file bytes in the requested format. */
function decode(bytes: Buffer, params: FileReadParams): JsonValue {
  if (params.format === 'base64') return bytes.toString('base64');
  const text = bytes.toString(params.encoding);
  if (params.format === 'text') return text;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new NonRetriableError(
      `File ${JSON.stringify(params.path)} is not valid JSON: ${(error as Error).message}`,
      { code: 'FILE_NOT_JSON', cause: error },
    );
  }
}

/**
 * Creates `file.read`: reads one file from the host's data folder. Outputs
 * `{ path, size, sha256, content }`. It changes nothing, so simulation reads too.
 */
export function createFileReadNode(options: FileNodeOptions): NodeType<FileReadParams> {
  return defineNode({
    type: 'file.read',
    name: 'Read file',
    group: 'data',
    description:
      'Reads a file from the data folder as text, base64 or JSON. Paths are relative; "..", absolute paths and links are refused.',
    icon: 'file',
    params: fileReadParams,
    sideEffects: true,
    async run(ctx): Promise<JsonValue> {
      const p = ctx.params;
      const { handle, stats } = await openInside({
        root: options.root,
        path: p.path,
        flags: constants.O_RDONLY,
      });
      try {
        if (stats.size > p.maxBytes) throw tooLarge(p.path, stats.size, p.maxBytes);
        const bytes = await handle.readFile();
        if (bytes.length > p.maxBytes) throw tooLarge(p.path, bytes.length, p.maxBytes);
        return {
          path: p.path,
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          content: decode(bytes, p),
        };
      } finally {
        await handle.close();
      }
    },
  });
}

function tooLarge(path: string, size: number, limit: number): NonRetriableError {
  return new NonRetriableError(
    `File ${JSON.stringify(path)} is ${size} bytes, over maxBytes (${limit})`,
    { code: 'FILE_TOO_LARGE' },
  );
}
