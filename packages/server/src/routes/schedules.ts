import type { FastifyInstance } from 'fastify';
import { FlowstateError } from '@flowstate/core';
import { parseCron } from '@flowstate/nodes';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { httpError, parseRequest } from '../errors.js';
import { WorkflowIdSchema } from './workflows.js';

const PreviewQuery = z.object({
  cron: z.string().min(1).max(200),
  timezone: z.string().min(1).max(100).default('UTC'),
  count: z.coerce.number().int().min(1).max(100).default(5),
  /** Epoch ms or ISO time to preview from; defaults to now. */
  after: z.union([z.coerce.number().int().min(0), z.iso.datetime({ offset: true })]).optional(),
});
const IdParams = z.object({ id: WorkflowIdSchema });

/** `/api/v1/schedules`: next-runs preview and the stored schedules. */
export function registerScheduleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { store, engine } = ctx;

  app.get('/schedules/preview', { config: { access: 'viewer' } }, async (request) => {
    const query = parseRequest(PreviewQuery, request.query, 'query');
    const after =
      query.after === undefined
        ? engine.clock.now()
        : typeof query.after === 'number'
          ? query.after
          : Date.parse(query.after);
    let runs: number[];
    try {
      runs = parseCron(query.cron, query.timezone).nextRuns(query.count, after);
    } catch (error) {
      if (!(error instanceof FlowstateError)) throw error;
      const param = error.code === 'INVALID_TIMEZONE' ? 'timezone' : 'cron';
      throw httpError(error.code, error.message, [
        { path: `/query/${param}`, message: error.message },
      ]);
    }
    return {
      cron: query.cron,
      timezone: query.timezone,
      runs: runs.map((at) => new Date(at).toISOString()),
    };
  });

  app.get('/schedules', { config: { access: 'viewer' } }, async () => ({
    items: await store.listSchedules(),
  }));

  app.get('/workflows/:id/schedules', { config: { access: 'viewer' } }, async (request) => {
    const { id } = parseRequest(IdParams, request.params, 'path');
    if (!(await store.getWorkflow(id)))
      throw httpError('WORKFLOW_NOT_FOUND', `Workflow "${id}" does not exist.`);
    return { items: await store.listSchedules({ workflowId: id }) };
  });
}
