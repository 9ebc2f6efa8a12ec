import type { z } from 'zod';
import type { NodeContext, NodeGroup, NodeResult, NodeType, RetryPolicy } from '@flowstate/core';
import { checkDefinition, checkPorts } from './check-node-type.js';

export { NodeDefinitionError } from './check-node-type.js';

/** What a node author writes; `defineNode` turns it into a {@link NodeType}. */
export interface NodeDefinition<S extends z.ZodType> {
  /** Stable id, lower-case dotted segments such as `acme.send-invoice` (`group.name`). */
  type: string;
  /** Display name shown in the editor's palette. */
  name: string;
  group: NodeGroup;
  description: string;
  icon?: string;
  /** Zod schema of the resolved parameters; `ctx.params` is its output type. */
  params: S;
  /** Output ports; defaults to `['out']`. A function receives the raw params. */
  ports?: readonly string[] | ((params: Record<string, unknown>) => readonly string[]);
  /** False for pure nodes (same input, same output, nothing outside touched). */
  sideEffects: boolean;
  trigger?: boolean;
  /** Params passed through without `{{ }}` template resolution. */
  rawParams?: readonly string[];
  retryDefaults?: Partial<RetryPolicy>;
  timeoutMs?: number;
  /**
   * Credential slots: param name -> accepted credential types. The param must be in `params`
   * (as an optional string holding a credential id); `ctx.credentials[param]` holds the
   * decrypted credential when the workflow sets it.
   */
  credentials?: Readonly<Record<string, readonly string[]>>;
  /**
   * Markdown shown on the node's page of the generated node reference (examples, notes),
   * below the generated parts. Optional.
   */
  docs?: string;
  run(ctx: NodeContext<z.output<S>>): Promise<NodeResult> | NodeResult;
}

/**
 * Declares a node type. Parameters are typed from the Zod schema, so `ctx.params` needs no
 * casts; the definition is checked once, at load time, so a typo fails fast instead of at
 * the first execution.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineNode } from '@flowstate/sdk';
 *
 * export const upperCase = defineNode({
 *   type: 'text.upper-case',
 *   name: 'Upper case',
 *   group: 'data',
 *   description: 'Upper-cases a string.',
 *   params: z.object({ text: z.string() }),
 *   sideEffects: false,
 *   run: (ctx) => ctx.params.text.toUpperCase(),
 * });
 * ```
 */
export function defineNode<S extends z.ZodType>(
  definition: NodeDefinition<S>,
): NodeType<z.output<S>> {
  checkDefinition(definition);
  const where = `Node type "${definition.type}"`;
  const ports = definition.ports ?? ['out'];
  const nodeType: NodeType<z.output<S>> = {
    ...definition,
    params: definition.params as z.ZodType<z.output<S>>,
    ports:
      typeof ports === 'function'
        ? (raw: Record<string, unknown>) => checkPorts(where, ports(raw))
        : Object.freeze([...ports]),
  };
  return Object.freeze(nodeType);
}
