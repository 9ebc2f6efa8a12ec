import type { NodeRegistry } from '@flowstate/core';
import { builtinNodes, createBuiltinRegistry, fileOptionsFromEnv } from '@flowstate/nodes';
import { loadPlugins, parsePluginPaths } from '@flowstate/server';
import type { CliIo } from './io.js';

/**
 * The registry a CLI command validates and runs with: the built-in nodes plus the plugins
 * the server would load from the same folder and environment (`flowstate-node-*` packages in
 * `io.cwd`'s `node_modules`, `FLOWSTATE_PLUGINS`). A broken plugin is reported on stderr, one
 * line each, and skipped.
 */
export async function registryWithPlugins(io: CliIo): Promise<NodeRegistry> {
  const plugins = await loadPlugins({
    root: io.cwd,
    paths: parsePluginPaths(io.env['FLOWSTATE_PLUGINS'], io.cwd),
    reservedTypes: builtinNodes.map((nodeType) => nodeType.type),
    logger: {
      info: () => undefined,
      error: (data, message) => io.stderr.write(`warning: ${message} (${String(data['path'])})\n`),
    },
  });
  return createBuiltinRegistry({ files: fileOptionsFromEnv(io.env, io.cwd) }, plugins.nodes);
}
