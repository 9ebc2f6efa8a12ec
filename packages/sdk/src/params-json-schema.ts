import { z } from 'zod';
import type { NodeType } from '@flowstate/core';

/**
 * The JSON Schema of a node type's parameters, as the user writes them (defaults make a
 * field optional; transforms are described by their input). The editor builds forms from it.
 *
 * @example
 * ```ts
 * const schema = paramsJsonSchema(httpRequest);
 * schema.properties.url; // { type: 'string', format: 'uri', ... }
 * ```
 */
export function paramsJsonSchema(nodeType: NodeType<any>): Record<string, unknown> {
  return z.toJSONSchema(nodeType.params, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
