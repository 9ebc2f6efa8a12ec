import type { NodeRegistry, NodeType } from '@flowstate/core';
import { CrmService, createCrmNodes } from '@flowstate/crm';
import type { Store } from '@flowstate/engine';
import { builtinNodes, createBuiltinRegistry, fileOptionsFromEnv } from '@flowstate/nodes';
import { loadPlugins, parsePluginPaths, settingsScoreConfig } from '@flowstate/server';
import type { SqliteStore } from '@flowstate/store-sqlite';
import type { CliIo } from './io.js';

/**
 * The `crm.*` nodes on `store`'s CRM tables, as the server builds them (lead score from the
 * store's settings).
 */
export function crmNodesOn(store: SqliteStore): NodeType<any>[] {
  return createCrmNodes({
    crm: new CrmService({ store: store.crm }),
    score: settingsScoreConfig(store as Store),
  });
}

/**
 * The registry a CLI command validates and runs with: the built-in nodes, the `crm.*` nodes
 * (on `crmStore`), plus the plugins the server would load from the same folder and environment
 * (`flowstate-node-*` packages in `io.cwd`'s `node_modules`, `FLOWSTATE_PLUGINS`). A broken
 * plugin is reported on stderr, one line each, and skipped.
 */
export async function registryWithPlugins(io: CliIo, crmStore: SqliteStore): Promise<NodeRegistry> {
  const crmNodes = crmNodesOn(crmStore);
  const plugins = await loadPlugins({
    root: io.cwd,
    paths: parsePluginPaths(io.env['FLOWSTATE_PLUGINS'], io.cwd),
    reservedTypes: [...builtinNodes, ...crmNodes].map((nodeType) => nodeType.type),
    logger: {
      info: () => undefined,
      error: (data, message) => io.stderr.write(`warning: ${message} (${String(data['path'])})\n`),
    },
  });
  return createBuiltinRegistry({ files: fileOptionsFromEnv(io.env, io.cwd) }, [
    ...crmNodes,
    ...plugins.nodes,
  ]);
}
