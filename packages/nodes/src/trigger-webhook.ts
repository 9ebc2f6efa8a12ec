import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

/** HTTP methods a webhook trigger can accept. */
export const WEBHOOK_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type WebhookMethod = (typeof WEBHOOK_METHODS)[number];

const SEGMENT = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const method = z.enum(WEBHOOK_METHODS);

/**
 * Params of `trigger.webhook` after parsing: `method` and `methods` are normalised into one
 * de-duplicated `methods` list so the server reads a single field.
 */
export const webhookTriggerParams = z
  .object({
    path: z
      .string()
      .max(200)
      .regex(
        SEGMENT,
        'must be URL-safe segments separated by "/" (letters, digits, . _ ~ -), no leading slash',
      ),
    method: method.optional(),
    methods: z.array(method).min(1).optional(),
    responseTimeoutMs: z.int().min(1).max(300_000).default(10_000),
  })
  .refine((p) => p.method === undefined || p.methods === undefined, {
    message: 'set either method or methods, not both',
    path: ['methods'],
  })
  .transform(({ path, method: one, methods, responseTimeoutMs }) => ({
    path,
    methods: [...new Set(methods ?? [one ?? 'POST'])],
    responseTimeoutMs,
  }));
export type WebhookTriggerParams = z.output<typeof webhookTriggerParams>;

/**
 * Starts an execution when `/hooks/<path>` is called. The server passes
 * `{ body, headers, query, method, path }` as input; the node outputs it unchanged.
 */
export const webhookTrigger = defineNode({
  type: 'trigger.webhook',
  name: 'Webhook',
  group: 'trigger',
  description: 'Starts the workflow when an HTTP request arrives at /hooks/<path>.',
  icon: 'webhook',
  params: webhookTriggerParams,
  sideEffects: false,
  trigger: true,
  run: (ctx) => ctx.input,
});
