import type { z } from 'zod';
import type { NodeContext, NodeGroup, NodeResult, NodeType, RetryPolicy } from '@flowstate/core';

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
  run(ctx: NodeContext<z.output<S>>): Promise<NodeResult> | NodeResult;
}

/** Thrown by {@link defineNode} when a definition is malformed; a bug in the node, not user input. */
export class NodeDefinitionError extends Error {
  override name = 'NodeDefinitionError';
  readonly code = 'INVALID_NODE_DEFINITION';
}

const TYPE_ID = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
const PORT_NAME = /^[A-Za-z0-9_-]{1,100}$/;

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
  const where = `Node type "${String(definition.type)}"`;
  if (typeof definition.type !== 'string' || !TYPE_ID.test(definition.type)) {
    throw new NodeDefinitionError(
      `${where}: type must be lower-case dotted segments like "group.name" (letters, digits, "-")`,
    );
  }
  if (!definition.name?.trim()) throw new NodeDefinitionError(`${where}: name must not be empty`);
  if (typeof definition.run !== 'function')
    throw new NodeDefinitionError(`${where}: run must be a function`);
  if (typeof definition.params?.safeParse !== 'function') {
    throw new NodeDefinitionError(`${where}: params must be a Zod schema`);
  }
  const ports = definition.ports ?? ['out'];
  if (typeof ports !== 'function') checkPorts(where, ports);
  checkRawParams(where, definition.params, definition.rawParams ?? []);
  checkCredentialParams(where, definition.params, definition.credentials ?? {});

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

function checkPorts(where: string, ports: readonly string[]): readonly string[] {
  if (ports.length === 0) throw new NodeDefinitionError(`${where}: ports must not be empty`);
  const seen = new Set<string>();
  for (const port of ports) {
    if (typeof port !== 'string' || !PORT_NAME.test(port)) {
      throw new NodeDefinitionError(
        `${where}: port "${String(port)}" must be 1-100 letters, digits, "_" or "-"`,
      );
    }
    if (seen.has(port)) throw new NodeDefinitionError(`${where}: port "${port}" is declared twice`);
    seen.add(port);
  }
  return ports;
}

/** A credential slot must name a param of the schema (where the schema can tell) and a type. */
function checkCredentialParams(
  where: string,
  schema: z.ZodType,
  credentials: Readonly<Record<string, readonly string[]>>,
): void {
  const shape = (schema as { shape?: unknown }).shape;
  for (const [param, types] of Object.entries(credentials)) {
    if (typeof shape === 'object' && shape !== null && !(param in shape))
      throw new NodeDefinitionError(`${where}: credentials names unknown param "${param}"`);
    if (!Array.isArray(types) || types.length === 0)
      throw new NodeDefinitionError(
        `${where}: credentials.${param} must list at least one credential type`,
      );
  }
}

/** A raw param that the schema does not know is certainly a typo; only object schemas can be checked. */
function checkRawParams(where: string, schema: z.ZodType, rawParams: readonly string[]): void {
  const shape = (schema as { shape?: unknown }).shape;
  if (typeof shape !== 'object' || shape === null) return;
  for (const name of rawParams) {
    if (!(name in shape))
      throw new NodeDefinitionError(`${where}: rawParams names unknown param "${name}"`);
  }
}
