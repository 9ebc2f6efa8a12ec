import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { describeDiff, diffWorkflows } from '@flowstate/core';
import type { WorkflowRecord } from '@flowstate/engine';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { errors, Limit } from '../schemas/common.js';
import {
  DiffResponse,
  VersionSchema,
  VersionSummarySchema,
  WorkflowIdSchema,
} from '../schemas/workflows.js';

const IdParams = z.object({ id: WorkflowIdSchema });
const VersionParams = IdParams.extend({ version: z.coerce.number().int().min(1) });
const ListQuery = z.object({
  limit: Limit,
  before: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'Only versions older than this one (the next page)' }),
});
const DiffQuery = z.object({
  from: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'Default: the published version' }),
  to: z.coerce.number().int().min(1).optional().meta({ description: 'Default: the draft' }),
});

const marks = (record: WorkflowRecord, version: number) => ({
  draft: record.draftVersion === version,
  published: record.publishedVersion === version,
});

/** `/api/v1/workflows/:id/versions` and `/diff`: the immutable history of a workflow. */
export function registerVersionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { workflows, store } = ctx;
  const tags = ['workflows'];

  const requireVersion = async (id: string, version: number, param: string) => {
    const stored = await store.getWorkflowVersion(id, version);
    if (!stored) {
      throw httpError('WORKFLOW_VERSION_NOT_FOUND', `Workflow "${id}" has no version ${version}.`, [
        { path: param, message: 'no such version' },
      ]);
    }
    return stored;
  };

  api.get(
    '/workflows/:id/versions',
    {
      schema: {
        tags,
        summary: 'Versions of a workflow, newest first (author, message, hash)',
        params: IdParams,
        querystring: ListQuery,
        response: {
          200: z.object({
            items: z.array(VersionSummarySchema),
            nextBefore: z.number().nullable(),
          }),
          ...errors(400, 404),
        },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const record = await workflows.requireRecord(request.params.id);
      const { limit, before } = request.query;
      const page = await store.listWorkflowVersions(record.id, {
        limit: limit + 1,
        ...(before === undefined ? {} : { before }),
      });
      const items = page.slice(0, limit).map((v) => ({ ...v, ...marks(record, v.version) }));
      return { items, nextBefore: page.length > limit ? (items.at(-1)?.version ?? null) : null };
    },
  );

  api.get(
    '/workflows/:id/versions/:version',
    {
      schema: {
        tags,
        summary: 'One immutable version with its definition',
        params: VersionParams,
        response: { 200: VersionSchema, ...errors(400, 404) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const record = await workflows.requireRecord(request.params.id);
      const version = await requireVersion(record.id, request.params.version, '/params/version');
      return { ...version, ...marks(record, version.version) };
    },
  );

  api.get(
    '/workflows/:id/diff',
    {
      schema: {
        tags,
        summary: 'Structural diff between two versions (default: published to draft)',
        params: IdParams,
        querystring: DiffQuery,
        response: { 200: DiffResponse, ...errors(400, 404) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const record = await workflows.requireRecord(request.params.id);
      const fromVersion = request.query.from ?? record.publishedVersion;
      if (fromVersion === undefined) {
        throw httpError(
          'INVALID_REQUEST',
          `Workflow "${record.id}" has no published version; name the versions to compare.`,
          [{ path: '/query/from', message: 'required while nothing is published' }],
        );
      }
      const toVersion = request.query.to ?? record.draftVersion;
      const from = await requireVersion(record.id, fromVersion, '/query/from');
      const to = await requireVersion(record.id, toVersion, '/query/to');
      const diff = diffWorkflows(from.definition, to.definition);
      return {
        workflowId: record.id,
        from: fromVersion,
        to: toVersion,
        diff,
        changes: describeDiff(diff, from.definition, to.definition),
      };
    },
  );
}
