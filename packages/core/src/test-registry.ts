import { z } from 'zod';
import { createRegistry, type NodeRegistry, type NodeType } from './node-type.js';

/** Shared test helper: fake node types covering triggers, ports, containers and raw params. */
function fake<P>(
  fields: Omit<NodeType<P>, 'name' | 'group' | 'description' | 'run' | 'sideEffects'> &
    Partial<NodeType<P>>,
): NodeType<P> {
  return {
    name: fields.type,
    group: 'action',
    description: `Test node ${fields.type}`,
    sideEffects: false,
    run: () => null,
    ...fields,
  };
}

/** Node types for validator and engine-free tests. */
export const testNodeTypes = [
  fake({
    type: 'test.trigger',
    trigger: true,
    ports: ['out'],
    params: z.object({ path: z.string().optional() }),
  }),
  fake({
    type: 'test.set',
    ports: ['out'],
    params: z.object({
      fields: z.record(z.string(), z.unknown()).optional(),
      count: z.int().min(0).optional(),
      mode: z.enum(['merge', 'replace']).optional(),
    }),
  }),
  fake({ type: 'test.if', ports: ['true', 'false'], params: z.object({ condition: z.boolean() }) }),
  fake({
    type: 'test.switch',
    ports: (params) => [
      ...(Array.isArray(params.cases) ? params.cases.map(String) : []),
      'default',
    ],
    params: z.object({ value: z.unknown(), cases: z.array(z.string()) }),
  }),
  fake({
    type: 'test.http',
    ports: ['out'],
    sideEffects: true,
    params: z
      .object({ url: z.url(), method: z.enum(['GET', 'POST']).default('GET') })
      .refine((p) => !p.url.startsWith('ftp:'), { message: 'must be http(s)' }),
  }),
  fake({
    type: 'test.transform',
    ports: ['out'],
    rawParams: ['expression'],
    params: z.object({ expression: z.string() }),
  }),
  fake({
    type: 'flow.loop',
    group: 'control',
    ports: ['done'],
    params: z.object({ items: z.array(z.unknown()), concurrency: z.int().min(1).optional() }),
  }),
] as const;

/** A registry of {@link testNodeTypes}. */
export function testRegistry(): NodeRegistry {
  return createRegistry(testNodeTypes);
}
