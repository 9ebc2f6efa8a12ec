import { constants } from 'node:fs';
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { NonRetriableError } from '@flowstate/core';

/** A path a workflow asked for that would leave the data folder, or is not a plain file path. */
export class PathNotAllowedError extends NonRetriableError {
  override name = 'PathNotAllowedError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Path ${JSON.stringify(path)} is not allowed: ${reason}`, { code: 'PATH_NOT_ALLOWED' });
  }
}

/** `O_NOFOLLOW` where the platform has it (not on Windows): the last component is never a link. */
export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Checks the text of a path relative to the data folder and returns its segments. Refuses
 * what could name something outside: absolute paths, `..`, NUL bytes, backslashes and drive
 * letters (so a Windows-style path cannot mean something else on another OS), empty paths.
 */
export function pathSegments(path: string): string[] {
  if (path.includes('\0')) throw new PathNotAllowedError(path, 'it contains a NUL byte');
  if (path.includes('\\'))
    throw new PathNotAllowedError(path, 'backslashes are not allowed; use "/"');
  if (/^[A-Za-z]:/.test(path))
    throw new PathNotAllowedError(path, 'drive letters are not allowed; paths are relative');
  if (path.startsWith('/'))
    throw new PathNotAllowedError(path, 'absolute paths are not allowed; paths are relative');
  const segments = path.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..'))
    throw new PathNotAllowedError(path, '".." would leave the data folder');
  if (segments.length === 0) throw new PathNotAllowedError(path, 'it names no file');
  if (segments.some((segment) => segment.length > 255))
    throw new PathNotAllowedError(path, 'a path segment is longer than 255 characters');
  return segments;
}

/** The canonical data folder, created on first use (it is host configuration, not user input). */
export async function canonicalRoot(root: string): Promise<string> {
  await mkdir(root, { recursive: true });
  return realpath(root);
}

/**
 * Walks `segments` below `root` with `lstat`, refusing any symbolic link on the way (a link
 * planted inside the folder must not lead out of it). Missing components are fine: the
 * caller creates or reports them. With `createDirs`, missing parent folders are created one
 * by one, each checked again after creation.
 */
export async function walkInside(options: {
  root: string;
  path: string;
  segments: readonly string[];
  createDirs?: boolean;
}): Promise<string> {
  let current = options.root;
  const last = options.segments.length - 1;
  for (const [index, segment] of options.segments.entries()) {
    current = join(current, segment);
    let stats = await lstatOrNull(current);
    if (stats === null && index < last && options.createDirs === true) {
      await mkdir(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      stats = await lstatOrNull(current);
    }
    if (stats === null) {
      if (index < last) throw notFound(options.path);
      continue;
    }
    if (stats.isSymbolicLink())
      throw new PathNotAllowedError(options.path, `"${segment}" is a symbolic link`);
    if (index < last && !stats.isDirectory())
      throw new PathNotAllowedError(options.path, `"${segment}" is not a folder`);
  }
  return current;
}

/** After opening, the real path must still be inside the folder (beats a swap during the walk). */
export async function assertStillInside(root: string, target: string, path: string): Promise<void> {
  const real = await realpath(target);
  if (real !== target || !real.startsWith(root + sep))
    throw new PathNotAllowedError(path, 'it resolves outside the data folder');
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The file does not exist: bad input, retrying cannot help. */
export function notFound(path: string): NonRetriableError {
  return new NonRetriableError(`File ${JSON.stringify(path)} does not exist in the data folder`, {
    code: 'FILE_NOT_FOUND',
  });
}
