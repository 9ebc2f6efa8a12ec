import { RetryPolicySchema, type NodeGroup, type NodeType } from '@flowstate/core';

/** Thrown when a node definition is malformed; a bug in the node, not user input. */
export class NodeDefinitionError extends Error {
  override name = 'NodeDefinitionError';
  readonly code = 'INVALID_NODE_DEFINITION';
}

// A record, not a list: a group added to `NodeGroup` in core fails to compile here until listed.
const GROUP_ORDER: Record<NodeGroup, number> = {
  trigger: 0,
  action: 1,
  control: 2,
  data: 3,
  crm: 4,
  ai: 5,
};

/** The palette groups a node type may belong to, in palette order. */
export const NODE_GROUPS: readonly NodeGroup[] = Object.freeze(
  (Object.keys(GROUP_ORDER) as NodeGroup[]).sort((a, b) => GROUP_ORDER[a] - GROUP_ORDER[b]),
);

const TYPE_ID = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
const PORT_NAME = /^[A-Za-z0-9_-]{1,100}$/;

/** What every node definition shares, before and after `defineNode`. */
interface DefinitionFields {
  type: unknown;
  name?: unknown;
  group?: unknown;
  description?: unknown;
  icon?: unknown;
  params?: unknown;
  ports?: unknown;
  sideEffects?: unknown;
  trigger?: unknown;
  rawParams?: unknown;
  retryDefaults?: unknown;
  timeoutMs?: unknown;
  credentials?: unknown;
  docs?: unknown;
  run?: unknown;
}

/**
 * Checks every field of a node definition (or of a node type built by any copy of the SDK)
 * and throws a {@link NodeDefinitionError} naming the type and the first bad field.
 * `defineNode` runs it on what an author writes; the plugin loader runs it again on what a
 * plugin exports, since a plugin may hand-roll objects or bundle another SDK version.
 */
export function checkDefinition(definition: DefinitionFields): void {
  const where = `Node type "${String(definition.type)}"`;
  const fail = (message: string): never => {
    throw new NodeDefinitionError(`${where}: ${message}`);
  };
  if (typeof definition.type !== 'string' || !TYPE_ID.test(definition.type))
    fail('type must be lower-case dotted segments like "group.name" (letters, digits, "-")');
  if (typeof definition.name !== 'string' || !definition.name.trim())
    fail('name must not be empty');
  if (!NODE_GROUPS.includes(definition.group as NodeGroup))
    fail(`group must be one of ${NODE_GROUPS.join(', ')}`);
  if (typeof definition.description !== 'string') fail('description must be a string');
  if (definition.icon !== undefined && typeof definition.icon !== 'string')
    fail('icon must be a string');
  if (typeof definition.run !== 'function') fail('run must be a function');
  const params = definition.params as { safeParse?: unknown } | null | undefined;
  if (typeof params?.safeParse !== 'function') fail('params must be a Zod schema');
  if (typeof definition.sideEffects !== 'boolean') fail('sideEffects must be true or false');
  if (definition.trigger !== undefined && typeof definition.trigger !== 'boolean')
    fail('trigger must be true or false');
  if (definition.docs !== undefined && typeof definition.docs !== 'string')
    fail('docs must be a string of Markdown');
  const ports = definition.ports ?? ['out'];
  if (typeof ports !== 'function') {
    if (!Array.isArray(ports)) fail('ports must be an array of port names or a function');
    checkPorts(where, ports as readonly string[]);
  }
  if (definition.timeoutMs !== undefined) {
    const t = definition.timeoutMs;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1)
      fail('timeoutMs must be a positive integer');
  }
  if (definition.retryDefaults !== undefined) {
    const parsed = RetryPolicySchema.partial().strict().safeParse(definition.retryDefaults);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(`retryDefaults.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
  }
  const shape = objectShape(params);
  const rawParams = definition.rawParams ?? [];
  if (!Array.isArray(rawParams)) fail('rawParams must be an array of param names');
  for (const name of rawParams as unknown[]) {
    if (typeof name !== 'string') fail('rawParams must be an array of param names');
    if (shape && !(String(name) in shape)) fail(`rawParams names unknown param "${String(name)}"`);
  }
  const credentials = definition.credentials ?? {};
  if (typeof credentials !== 'object' || credentials === null || Array.isArray(credentials))
    fail('credentials must map param names to credential types');
  for (const [param, types] of Object.entries(credentials as Record<string, unknown>)) {
    if (shape && !(param in shape)) fail(`credentials names unknown param "${param}"`);
    if (!Array.isArray(types) || types.length === 0 || types.some((t) => typeof t !== 'string'))
      fail(`credentials.${param} must list at least one credential type`);
  }
}

/**
 * Checks that `value` is a complete node type, as a plugin must export it, and returns it
 * typed. Throws a {@link NodeDefinitionError} naming the problem otherwise.
 *
 * @example
 * ```ts
 * const nodeType = checkNodeType(plugin.nodes[0]); // throws if it is not a node type
 * ```
 */
export function checkNodeType(value: unknown): NodeType {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NodeDefinitionError(
      `Expected a node type (the result of defineNode), got ${describeValue(value)}`,
    );
  }
  checkDefinition(value as DefinitionFields);
  return value as NodeType;
}

/** Throws unless `ports` is a non-empty list of distinct valid port names; returns it. */
export function checkPorts(where: string, ports: readonly string[]): readonly string[] {
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

/** A short description of a value for error messages: its type, never its content. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return `a ${typeof value}`;
}

/** The object shape of a Zod object schema; undefined for other schemas (not checkable). */
function objectShape(schema: unknown): object | undefined {
  const shape = (schema as { shape?: unknown } | null | undefined)?.shape;
  return typeof shape === 'object' && shape !== null ? shape : undefined;
}
