import { pathToFileURL } from 'node:url';
import type { NodeType } from '@flowstate/core';
import { NodeDefinitionError, pluginNodeTypes, PluginShapeError } from '@flowstate/sdk';
import {
  discoverPlugins,
  PluginLoadError,
  resolvePluginEntry,
  type PluginCandidate,
  type PluginErrorCode,
} from './discover-plugins.js';

/** A plugin whose node types are installed. */
export interface LoadedPlugin extends PluginCandidate {
  /** The type ids it added, in its export order. */
  nodeTypes: string[];
}

/** A plugin that was skipped, and why. */
export interface FailedPlugin extends PluginCandidate {
  code: PluginErrorCode;
  message: string;
}

/** What the loader found: the API's `GET /plugins` shows it. */
export interface PluginStatus {
  loaded: LoadedPlugin[];
  failed: FailedPlugin[];
}

/** {@link PluginStatus} plus the node types to register. */
export interface PluginReport extends PluginStatus {
  nodes: NodeType[];
}

/** The two log levels the loader writes (pino's signature). */
export interface PluginLogger {
  info(data: Record<string, unknown>, message: string): void;
  error(data: Record<string, unknown>, message: string): void;
}

/** Options of {@link loadPlugins}. */
export interface LoadPluginsOptions {
  /** Folder whose `node_modules` is searched for `flowstate-node-*` packages (the app's root). */
  root: string;
  /** Plugin folders (or files), from `FLOWSTATE_PLUGINS`, loaded after the packages. */
  paths?: readonly string[];
  /** Type ids already taken (the built-in nodes); a plugin declaring one is skipped. */
  reservedTypes: Iterable<string>;
  logger?: PluginLogger;
  /** How long one plugin's import may take (default 30 s): top-level code that never ends. */
  importTimeoutMs?: number;
}

/**
 * Discovers and imports plugins, and checks each one: its exports must follow the plugin
 * contract, every node type must pass the SDK's rules, and no type id may be a built-in's or
 * another plugin's. A plugin with any problem (missing, unbuilt, a syntax error, code that
 * throws on import, wrong exports, a bad or colliding node type) is logged with its name,
 * path and reason, listed in `failed` and skipped as a whole; the others load. Never throws
 * for a plugin's fault.
 *
 * @example
 * ```ts
 * const plugins = await loadPlugins({ root: process.cwd(), paths, reservedTypes, logger });
 * const registry = createBuiltinRegistry({}, plugins.nodes);
 * ```
 */
export async function loadPlugins(options: LoadPluginsOptions): Promise<PluginReport> {
  const candidates = await discoverPlugins({ root: options.root, paths: options.paths ?? [] });
  const reserved = new Set(options.reservedTypes);
  const owners = new Map<string, LoadedPlugin>();
  const seenEntries = new Map<string, PluginCandidate>();
  const report: PluginReport = { loaded: [], failed: [], nodes: [] };
  for (const candidate of candidates) {
    try {
      const entry = await resolvePluginEntry(candidate.path);
      const twin = seenEntries.get(entry);
      if (twin) {
        options.logger?.info(
          { plugin: candidate.name, path: candidate.path, alsoAt: twin.path },
          'plugin already loaded from another location; skipped',
        );
        continue;
      }
      seenEntries.set(entry, candidate);
      const nodes = await nodesOf(entry, options.importTimeoutMs ?? 30_000);
      for (const nodeType of nodes) {
        const owner = owners.get(nodeType.type);
        if (reserved.has(nodeType.type) || owner) {
          throw new PluginLoadError(
            'PLUGIN_TYPE_CONFLICT',
            `node type "${nodeType.type}" is already ${owner ? `defined by plugin "${owner.name}" (${owner.path})` : 'a built-in node type'}; rename it (type ids are global, prefix them with your plugin's name)`,
          );
        }
      }
      const loaded: LoadedPlugin = { ...candidate, nodeTypes: nodes.map((n) => n.type) };
      for (const nodeType of nodes) owners.set(nodeType.type, loaded);
      report.loaded.push(loaded);
      report.nodes.push(...nodes);
      options.logger?.info(
        { plugin: candidate.name, path: candidate.path, nodeTypes: loaded.nodeTypes },
        'plugin loaded',
      );
    } catch (error) {
      const failure = asLoadError(error);
      report.failed.push({
        ...candidate,
        code: failure.code as PluginErrorCode,
        message: failure.message,
      });
      options.logger?.error(
        {
          plugin: candidate.name,
          path: candidate.path,
          code: failure.code,
          reason: failure.message,
        },
        `plugin "${candidate.name}" skipped: ${failure.message}`,
      );
    }
  }
  return report;
}

async function nodesOf(entry: string, timeoutMs: number): Promise<NodeType[]> {
  let moduleNamespace: Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PluginLoadError(
              'PLUGIN_IMPORT_TIMEOUT',
              `importing ${entry} did not finish within ${timeoutMs} ms (top-level code that waits forever?)`,
            ),
          ),
        timeoutMs,
      );
      timer.unref();
    });
    moduleNamespace = await Promise.race([
      import(pathToFileURL(entry).href) as Promise<Record<string, unknown>>,
      timeout,
    ]);
  } catch (error) {
    if (error instanceof PluginLoadError) throw error;
    throw new PluginLoadError(
      'PLUGIN_IMPORT_FAILED',
      `importing ${entry} failed: ${errorText(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    clearTimeout(timer);
  }
  try {
    return pluginNodeTypes(moduleNamespace);
  } catch (error) {
    if (error instanceof PluginShapeError)
      throw new PluginLoadError('PLUGIN_INVALID_EXPORTS', error.message, { cause: error });
    if (error instanceof NodeDefinitionError)
      throw new PluginLoadError('PLUGIN_INVALID_NODE', error.message, { cause: error });
    throw error;
  }
}

function asLoadError(error: unknown): PluginLoadError {
  if (error instanceof PluginLoadError) return error;
  return new PluginLoadError('PLUGIN_IMPORT_FAILED', errorText(error), { cause: error });
}

/** `SyntaxError: Unexpected token '}'`; a thrown non-error is shown as its string. */
function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : `threw ${String(error)}`;
}
