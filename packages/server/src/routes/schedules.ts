import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { FlowstateError } from '@flowstate/core';
import { CATCH_UP_POLICIES } from '@flowstate/engine';
import { parseCron } from '@flowstate/nodes';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { errors } from '../schemas/common.js';
import { WorkflowIdSchema } from './workflows.js';

const PreviewQuery = z.object({
  cron: z
    .string()
    .min(1)
    .max(200)
    .meta({ description: '5 fields, or 6 with seconds first', example: '0 9 * * 1-5' }),
  timezone: z.string().min(1).max(100).default('UTC').meta({ description: 'IANA time zone' }),
  count: z.coerce.number().int().min(1).max(100).default(5),
  after: z
    .union([z.coerce.number().int().min(0), z.iso.datetime({ offset: true })])
    .optional()
    .meta({ description: 'Epoch ms or ISO time to preview from; defaults to now' }),
});
const IdParams = z.object({ id: WorkflowIdSchema });
const PreviewResponse = z.object({
  cron: z.string(),
  timezone: z.string(),
  runs: z.array(z.string()).meta({ description: 'The next run times, ISO-8601 UTC' }),
});

/** A stored schedule: one `trigger.schedule` node of a workflow's published version. */
const ScheduleSchema = z
  .object({
    id: z.string().meta({ description: '<workflowId>/<triggerNodeId>' }),
    workflowId: z.string(),
    triggerNodeId: z.string(),
    version: z.number().meta({ description: 'The workflow version ticks start' }),
    cron: z.string(),
    timezone: z.string(),
    catchUp: z.enum(CATCH_UP_POLICIES),
    catchUpLimit: z.number(),
    nextRunAt: z.number(),
    leaseOwner: z.string().optional(),
    leaseExpiresAt: z.number().optional(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'Schedule' });
const SchedulesResponse = z.object({ items: z.array(ScheduleSchema) });

/** `/api/v1/schedules`: next-runs preview and the stored schedules. */
export function registerScheduleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { store, engine } = ctx;
  const tags = ['schedules'];

  api.get(
    '/schedules/preview',
    {
      schema: {
        tags,
        summary: 'The next run times of a cron expression in a time zone',
        querystring: PreviewQuery,
        response: { 200: PreviewResponse, ...errors(400) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const query = request.query;
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
    },
  );

  api.get(
    '/schedules',
    {
      schema: {
        tags,
        summary: 'Every stored schedule with its next run',
        response: { 200: SchedulesResponse },
      },
      config: { access: 'viewer' },
    },
    async () => ({ items: await store.listSchedules() }),
  );

  api.get(
    '/workflows/:id/schedules',
    {
      schema: {
        tags,
        summary: "A workflow's schedules with their next runs",
        params: IdParams,
        response: { 200: SchedulesResponse, ...errors(400, 404) },
      },
      config: { access: 'viewer' },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await store.getWorkflow(id)))
        throw httpError('WORKFLOW_NOT_FOUND', `Workflow "${id}" does not exist.`);
      return { items: await store.listSchedules({ workflowId: id }) };
    },
  );
}
