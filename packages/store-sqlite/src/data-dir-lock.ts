import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { FlowstateError } from '@flowstate/core';

/** Name of the lock file inside a data folder. */
export const LOCK_FILE = 'flowstate.lock';

/** An exclusive hold on a data folder; `release()` is idempotent. */
export interface DataDirLock {
  readonly dir: string;
  release(): void;
}

/** Folders locked by this process, so a second open in the same process is refused too. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A lock file without a pid yet is being written by its creator (for a moment). */
function isFresh(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 2_000;
  } catch {
    return false;
  }
}

function lockedError(dir: string, pid: number): FlowstateError {
  return new FlowstateError(
    'DATA_DIR_LOCKED',
    `Another Flowstate process is using ${dir} (pid ${pid}). Embedded mode allows one process per data folder; use PostgreSQL (DATABASE_URL) to run several.`,
  );
}

/**
 * Creates `dataDir` if needed and takes its lock file (created atomically, holding our pid).
 * A lock whose pid is no longer alive (a process killed with -9) is taken over; a live one
 * is refused with `DATA_DIR_LOCKED`.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  if (heldHere.has(dir)) {
    throw new FlowstateError(
      'DATA_DIR_LOCKED',
      `This process already has ${dir} open. Close the other store first; embedded mode allows one store per data folder.`,
    );
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      heldHere.add(dir);
      return { dir, release: () => releaseLock(dir, path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = readPid(path);
    if (pid === undefined && isFresh(path)) {
      throw new FlowstateError(
        'DATA_DIR_LOCKED',
        `Another Flowstate process is starting on ${dir}; try again`,
      );
    }
    // Our own pid in a lock we do not hold is a leftover of a previous life (pid reuse).
    if (pid !== undefined && pid !== process.pid && isAlive(pid)) throw lockedError(dir, pid);
    // Stale: remove it only if it still holds the pid we judged, then race for it again.
    if (readPid(path) === pid) {
      try {
        unlinkSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  throw new FlowstateError(
    'DATA_DIR_LOCKED',
    `Could not take the lock file ${path}; another process keeps taking it`,
  );
}

function releaseLock(dir: string, path: string): void {
  if (!heldHere.delete(dir)) return;
  if (readPid(path) !== process.pid) return;
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
