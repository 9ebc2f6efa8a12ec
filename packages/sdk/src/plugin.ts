import type { NodeType } from '@flowstate/core';
import { checkNodeType, describeValue, NodeDefinitionError } from './check-node-type.js';

/** What a plugin module offers Flowstate: its node types. */
export interface FlowstatePlugin {
  readonly nodes: readonly NodeType<any>[];
}

/** Thrown when a plugin module's exports do not follow the plugin contract. */
export class PluginShapeError extends Error {
  override name = 'PluginShapeError';
  readonly code = 'INVALID_PLUGIN_EXPORTS';
}

/**
 * Declares a plugin: the default export of a `flowstate-node-*` package or plugin folder.
 * Checks each node type now, so a mistake fails in the author's tests, not at a user's start.
 *
 * @example
 * ```ts
 * import { definePlugin } from '@flowstate/sdk';
 * import { slugify } from './slugify.js';
 *
 * export default definePlugin({ nodes: [slugify] });
 * ```
 */
export function definePlugin(plugin: FlowstatePlugin): FlowstatePlugin {
  return Object.freeze({ nodes: Object.freeze(pluginNodeTypes({ default: plugin })) });
}

/**
 * The node types of an imported plugin module, checked with the same rules as `defineNode`.
 * The contract: a default export made with {@link definePlugin} (`{ nodes: [...] }`), a
 * default export that is an array of node types, or a named export `nodes` (an array).
 * Throws {@link PluginShapeError} for any other shape, and {@link NodeDefinitionError}
 * (naming the export's position) for an entry that is not a valid node type, or for two
 * entries with the same type id. The plugin loader calls it on every plugin; authors can
 * call it in their tests.
 *
 * @example
 * ```ts
 * const nodes = pluginNodeTypes(await import('./index.js'));
 * ```
 */
export function pluginNodeTypes(moduleNamespace: Record<string, unknown>): NodeType[] {
  const list = exportedList(moduleNamespace);
  if (list.length === 0) throw new PluginShapeError('The plugin exports no node types');
  const seen = new Set<string>();
  return list.map((entry, index) => {
    let nodeType: NodeType;
    try {
      nodeType = checkNodeType(entry);
    } catch (error) {
      throw new NodeDefinitionError(`nodes[${index}]: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (seen.has(nodeType.type))
      throw new NodeDefinitionError(
        `nodes[${index}]: node type "${nodeType.type}" is exported twice`,
      );
    seen.add(nodeType.type);
    return nodeType;
  });
}

function exportedList(moduleNamespace: Record<string, unknown>): readonly unknown[] {
  const fallback = moduleNamespace['default'];
  const named = moduleNamespace['nodes'];
  if (named !== undefined) {
    if (!Array.isArray(named))
      throw new PluginShapeError(
        `The export "nodes" must be an array, got ${describeValue(named)}`,
      );
    return named;
  }
  if (Array.isArray(fallback)) return fallback;
  if (typeof fallback === 'object' && fallback !== null && 'nodes' in fallback) {
    const nodes = (fallback as { nodes: unknown }).nodes;
    if (!Array.isArray(nodes))
      throw new PluginShapeError(
        `The default export's "nodes" must be an array, got ${describeValue(nodes)}`,
      );
    return nodes;
  }
  throw new PluginShapeError(
    `A plugin must export its node types: \`export default definePlugin({ nodes: [...] })\`, \`export default [...]\` or \`export const nodes = [...]\`; found ${
      fallback === undefined
        ? 'no default export'
        : `a default export that is ${describeValue(fallback)}`
    } and no "nodes" export`,
  );
}
