import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { FlowstateError } from '@flowstate/core';

/** Where a plugin was found. */
export type PluginSource = 'node_modules' | 'FLOWSTATE_PLUGINS';

/** A plugin found on disk, before it is imported. */
export interface PluginCandidate {
  /** The package name from its `package.json`, else the folder or file name. */
  name: string;
  version?: string;
  /** The plugin's folder (or file), as configured or found. */
  path: string;
  source: PluginSource;
}

/** Package names discovered in `node_modules`: `flowstate-node-*` and `@scope/flowstate-node-*`. */
export const PLUGIN_PACKAGE_PATTERN = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?flowstate-node-[a-z0-9-._~]+$/;

/** Why a plugin could not be loaded (the `code` of the failure the API and log report). */
export type PluginErrorCode =
  | 'PLUGIN_NOT_FOUND'
  | 'PLUGIN_INVALID_MANIFEST'
  | 'PLUGIN_ENTRY_NOT_FOUND'
  | 'PLUGIN_IMPORT_FAILED'
  | 'PLUGIN_IMPORT_TIMEOUT'
  | 'PLUGIN_INVALID_EXPORTS'
  | 'PLUGIN_INVALID_NODE'
  | 'PLUGIN_TYPE_CONFLICT';

/** A plugin that cannot be used; the loader reports it and skips the plugin. */
export class PluginLoadError extends FlowstateError {
  override name = 'PluginLoadError';
  constructor(code: PluginErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Splits `FLOWSTATE_PLUGINS` (a path list with the platform's delimiter, `:` or `;`) into
 * absolute paths, relative ones resolved against `cwd`.
 */
export function parsePluginPaths(value: string | undefined, cwd: string): string[] {
  if (value === undefined) return [];
  return value
    .split(delimiter)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => (isAbsolute(part) ? part : resolve(cwd, part)));
}

/**
 * Finds plugins: packages named `flowstate-node-*` or `@scope/flowstate-node-*` in
 * `<root>/node_modules` (sorted by name), then the folders of `paths` in their order. A
 * folder that does not exist is still returned, so the loader reports it.
 */
export async function discoverPlugins(options: {
  root: string;
  paths: readonly string[];
}): Promise<PluginCandidate[]> {
  const found: PluginCandidate[] = [];
  const nodeModules = join(options.root, 'node_modules');
  for (const name of await packageNames(nodeModules)) {
    found.push({ ...(await describe(join(nodeModules, name), name)), source: 'node_modules' });
  }
  for (const path of options.paths) {
    const fallback = path.split(/[\\/]/).filter(Boolean).pop() ?? path;
    found.push({ ...(await describe(path, fallback)), source: 'FLOWSTATE_PLUGINS' });
  }
  return found;
}

/**
 * The file to import for a plugin folder: its `package.json` `exports` (the `import`, `node`
 * or `default` condition of `.`), else `main`, else `index.js`; a file path is itself.
 */
export async function resolvePluginEntry(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new PluginLoadError('PLUGIN_NOT_FOUND', `${path} does not exist`);
  if (info.isFile()) return realpath(path);
  const manifest = await readManifest(path);
  const target = manifest ? (exportTarget(manifest['exports']) ?? manifest['main']) : undefined;
  const relative = typeof target === 'string' ? target : 'index.js';
  const entry = resolve(path, relative);
  if (!existsSync(entry)) {
    throw new PluginLoadError(
      'PLUGIN_ENTRY_NOT_FOUND',
      `entry file ${relative} does not exist${manifest ? ' (from package.json; is the plugin built?)' : ' (no package.json with "exports" or "main")'}`,
    );
  }
  return realpath(entry);
}

async function packageNames(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules).catch(() => [] as string[])) {
    if (entry.startsWith('@')) {
      for (const scoped of await readdir(join(nodeModules, entry)).catch(() => [] as string[]))
        if (PLUGIN_PACKAGE_PATTERN.test(`${entry}/${scoped}`)) names.push(`${entry}/${scoped}`);
    } else if (PLUGIN_PACKAGE_PATTERN.test(entry)) names.push(entry);
  }
  return names.sort();
}

async function describe(
  path: string,
  fallbackName: string,
): Promise<Omit<PluginCandidate, 'source'>> {
  const manifest = await readManifest(path).catch(() => undefined);
  const name = typeof manifest?.['name'] === 'string' ? manifest['name'] : fallbackName;
  const version = manifest?.['version'];
  return { name, path, ...(typeof version === 'string' ? { version } : {}) };
}

async function readManifest(dir: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
    throw new Error('not a JSON object');
  } catch (error) {
    throw new PluginLoadError(
      'PLUGIN_INVALID_MANIFEST',
      `package.json is not valid: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

const CONDITIONS = new Set(['import', 'node', 'default']);

/** The path `exports` maps `.` to under the `import`/`node`/`default` conditions. */
function exportTarget(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return undefined;
  const map = exports as Record<string, unknown>;
  if ('.' in map) return exportTarget(map['.']);
  for (const [condition, target] of Object.entries(map)) {
    if (!CONDITIONS.has(condition)) continue;
    const resolved = exportTarget(target);
    if (resolved !== undefined) return resolved;
  }
  return undefined;
}
