import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { NodeType } from '@flowstate/core';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { errors, Json } from '../schemas/common.js';

const NodeTypeInfo = z
  .object({
    type: z.string(),
    name: z.string(),
    group: z.enum(['trigger', 'action', 'control', 'data', 'crm', 'ai']),
    description: z.string(),
    icon: z.string().optional(),
    sideEffects: z.boolean(),
    trigger: z.boolean(),
    ports: z
      .array(z.string())
      .optional()
      .meta({ description: 'Output ports; absent when they depend on the params (flow.switch)' }),
    credentials: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({ description: 'Credential params and the credential types each accepts' }),
    params: Json.meta({ description: "JSON Schema of the node's params (the editor's forms)" }),
  })
  .meta({ id: 'NodeType' });

const ValidationResult = z.object({
  valid: z.boolean(),
  problems: z.array(
    z.object({ path: z.string(), message: z.string(), code: z.string().optional() }),
  ),
});

/** The JSON Schema of a node type's params, as the editor draws forms from it. */
export function paramsJsonSchema(nodeType: NodeType): unknown {
  try {
    return z.toJSONSchema(nodeType.params as z.ZodType, { io: 'input', unrepresentable: 'any' });
  } catch {
    return { type: 'object' };
  }
}

/** One node type as the API describes it. */
export function describeNodeType(nodeType: NodeType): z.infer<typeof NodeTypeInfo> {
  return {
    type: nodeType.type,
    name: nodeType.name,
    group: nodeType.group,
    description: nodeType.description,
    ...(nodeType.icon === undefined ? {} : { icon: nodeType.icon }),
    sideEffects: nodeType.sideEffects,
    trigger: nodeType.trigger === true,
    ...(Array.isArray(nodeType.ports) ? { ports: [...(nodeType.ports as string[])] } : {}),
    ...(nodeType.credentials === undefined
      ? {}
      : {
          credentials: Object.fromEntries(
            Object.entries(nodeType.credentials).map(([param, types]) => [param, [...types]]),
          ),
        }),
    params: paramsJsonSchema(nodeType),
  };
}

/**
 * `GET /api/v1/node-types` (the palette and the properties forms) and
 * `POST /api/v1/workflows/validate` (every problem of a document, as a save would report them,
 * without saving: the editor shows them on nodes and fields as you type).
 */
export function registerNodeTypeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const described = new Map<string, z.infer<typeof NodeTypeInfo>>();

  api.get(
    '/node-types',
    {
      schema: {
        tags: ['workflows'],
        summary: 'Every installed node type with its params as JSON Schema',
        response: { 200: z.object({ items: z.array(NodeTypeInfo) }) },
      },
      config: { access: 'viewer' },
    },
    async () => ({
      items: ctx.registry.list().map((nodeType) => {
        let info = described.get(nodeType.type);
        if (!info) described.set(nodeType.type, (info = describeNodeType(nodeType)));
        return info;
      }),
    }),
  );

  api.post(
    '/workflows/validate',
    {
      schema: {
        tags: ['workflows'],
        summary: 'Validate a workflow document without saving it (every problem, with pointers)',
        body: Json,
        response: { 200: ValidationResult, ...errors(400) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const result = ctx.workflows.check(request.body);
      return 'workflow' in result
        ? { valid: true, problems: [] }
        : { valid: false, problems: result.problems };
    },
  );
}
