import { StepErrorSchema } from '@flowstate/core';
import { z } from 'zod';
import { Json } from './common.js';

const STATUSES = ['running', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
const STEP_STATUSES = [
  'ready',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;

export const ExecutionStatusSchema = z.enum(STATUSES);

const WebhookResponseSchema = z.object({
  status: z.number(),
  headers: z.record(z.string(), z.string()).optional(),
  body: Json.optional(),
});

/** An execution without its payloads (lists, children). */
export const ExecutionSummarySchema = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    workflowVersion: z.number(),
    status: ExecutionStatusSchema,
    seq: z.number(),
    triggerNodeId: z.string(),
    triggerType: z.string().optional(),
    error: StepErrorSchema.optional(),
    parentExecutionId: z.string().optional(),
    parentStepKey: z.string().optional(),
    depth: z.number(),
    rerunOf: z.string().optional(),
    simulate: z.literal(true).optional().meta({
      description: 'A simulation: side-effecting nodes recorded what they would do instead',
    }),
    deadlineAt: z.number().optional().meta({
      description:
        "When it fails with EXECUTION_TIMEOUT unless ended (the workflow's settings.timeoutMs)",
    }),
    createdAt: z.number(),
    updatedAt: z.number(),
    finishedAt: z.number().optional(),
  })
  .meta({ id: 'ExecutionSummary' });

/** An execution with its trigger input, output and webhook response. */
export const ExecutionSchema = ExecutionSummarySchema.extend({
  input: Json.optional(),
  output: Json.optional(),
  response: WebhookResponseSchema.optional(),
}).meta({ id: 'Execution' });

/** A payload too large to inline: where to fetch it. */
const PayloadLink = z.object({
  href: z.string().meta({ description: 'GET this URL for the stored JSON value' }),
  bytes: z.number(),
});

/** One step of the timeline. */
export const StepSchema = z
  .object({
    key: z.string().meta({ description: 'Node id, or loop[3]/node inside a loop iteration' }),
    nodeId: z.string(),
    nodeName: z.string().optional(),
    nodeType: z.string().optional(),
    loop: z
      .array(z.object({ nodeId: z.string(), index: z.number() }))
      .optional()
      .meta({ description: 'Enclosing loop iterations, outermost first' }),
    status: z.enum(STEP_STATUSES),
    attempt: z.number(),
    port: z.string().optional(),
    runAt: z.number().optional(),
    startedAt: z.number().optional(),
    finishedAt: z.number().optional(),
    durationMs: z.number().optional(),
    error: StepErrorSchema.optional(),
    input: Json.optional(),
    output: Json.optional(),
    inputLink: PayloadLink.optional(),
    outputLink: PayloadLink.optional(),
  })
  .meta({ id: 'Step' });

export const ExecutionDetailSchema = z
  .object({
    execution: ExecutionSchema.extend({
      inputLink: PayloadLink.optional(),
      outputLink: PayloadLink.optional(),
    }),
    steps: z.array(StepSchema),
    parent: z
      .object({ executionId: z.string(), stepKey: z.string().optional() })
      .optional()
      .meta({ description: 'The execution whose flow.call step started this one' }),
    children: z.array(ExecutionSummarySchema),
  })
  .meta({ id: 'ExecutionDetail' });
