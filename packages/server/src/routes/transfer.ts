import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authorOf } from '../access.js';
import type { ServerContext } from '../context.js';
import { errors } from '../schemas/common.js';
import { ExportFile, WorkflowIdSchema } from '../schemas/workflows.js';
import { WorkflowTransfer } from '../workflow-transfer.js';

const Which = z
  .enum(['published', 'draft'])
  .default('published')
  .meta({ description: 'Which version of each workflow (published falls back to the draft)' });
const ImportResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      action: z.enum(['created', 'updated', 'unchanged']),
      draftVersion: z.number(),
      publishedVersion: z.number().optional(),
    }),
  ),
});

/** Import and export of workflows as `flowstate-export` JSON files. */
export function registerTransferRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const transfer = new WorkflowTransfer(ctx.workflows);
  const tags = ['transfer'];

  api.get(
    '/workflows/:id/export',
    {
      schema: {
        tags,
        summary: 'Export one workflow (credentials as references only)',
        params: z.object({ id: WorkflowIdSchema }),
        querystring: z.object({ version: Which }),
        response: { 200: ExportFile, ...errors(400, 404) },
      },
      config: { access: 'viewer' },
    },
    async (request) => transfer.export([request.params.id], request.query.version),
  );

  api.post(
    '/workflows/export',
    {
      schema: {
        tags,
        summary: 'Export a bundle of workflows (all when ids is absent)',
        body: z
          .object({ ids: z.array(WorkflowIdSchema).max(1000).optional(), version: Which })
          .optional(),
        response: { 200: ExportFile, ...errors(400, 404) },
      },
      config: { access: 'viewer' },
    },
    async (request) =>
      transfer.export(request.body?.ids ?? [], request.body?.version ?? 'published'),
  );

  api.post(
    '/workflows/import',
    {
      schema: {
        tags,
        summary: 'Import one workflow or a bundle: all or nothing',
        description:
          'The body is a `flowstate-export` version 1 file (see ExportFile). Every definition is validated first; any problem refuses the whole file with every problem listed.',
        querystring: z.object({
          publish: z
            .enum(['true', 'false'])
            .optional()
            .meta({ description: 'Publish each import' }),
          message: z.string().max(1000).optional(),
        }),
        body: ExportFile,
        response: { 200: ImportResponse, ...errors(400, 409) },
      },
      config: { access: 'editor' },
    },
    async (request) => ({
      items: await transfer.import(request.body, {
        publish: request.query.publish === 'true',
        author: authorOf(request),
        ...(request.query.message === undefined ? {} : { message: request.query.message }),
      }),
    }),
  );
}
