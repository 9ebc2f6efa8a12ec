import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

/** HTTP methods a webhook trigger can accept. */
export const WEBHOOK_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type WebhookMethod = (typeof WEBHOOK_METHODS)[number];

const SEGMENT = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const method = z.enum(WEBHOOK_METHODS);

const credentialId = z
  .string()
  .min(1)
  .max(200)
  .refine((id) => !id.includes('{{'), 'must be a credential id, not an expression');

/**
 * How callers of a webhook prove who they are (checked by the server before anything runs;
 * failures answer 401). Secrets come from credentials, referenced by id:
 * - `none` (default);
 * - `header`: a `header` credential; the request must carry that header with that value;
 * - `basic`: a `basic` credential; `Authorization: Basic` with that user and password;
 * - `hmac`: a `secret` credential (`whsec_…` base64 or plain text); Standard Webhooks
 *   signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>` over
 *   `id.timestamp.body`, HMAC-SHA256), timestamps within `toleranceSeconds` (default 300),
 *   each `webhook-id` accepted once.
 */
export const webhookAuthParams = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('header'), credential: credentialId }),
  z.strictObject({ type: z.literal('basic'), credential: credentialId }),
  z.strictObject({
    type: z.literal('hmac'),
    credential: credentialId,
    toleranceSeconds: z
      .int()
      .min(1)
      .max(3600)
      .default(300)
      .describe('How old a signed timestamp may be, in seconds'),
  }),
]);
export type WebhookAuthParams = z.output<typeof webhookAuthParams>;

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
      )
      .describe('The webhook answers at /hooks/<path>, e.g. "orders/new"'),
    method: method.optional().describe('The one HTTP method accepted (default POST)'),
    methods: z
      .array(method)
      .min(1)
      .optional()
      .describe('Several accepted methods, instead of method'),
    responseTimeoutMs: z
      .int()
      .min(1)
      .max(300_000)
      .default(10_000)
      .describe(
        'How long the caller waits for the response before getting 202 and the execution id',
      ),
    auth: webhookAuthParams
      .default({ type: 'none' })
      .describe('How callers prove who they are: none, header, basic or hmac (with a credential)'),
    /** Calls allowed on this path per second, minute or hour (`100/s`, `600/min`, `5000/h`). */
    rateLimit: z
      .string()
      .regex(/^[1-9]\d*\/(s|min|h)$/, 'must look like "100/s", "600/min" or "5000/h"')
      .optional()
      .describe('Calls allowed on this path: "100/s", "600/min" or "5000/h"'),
  })
  .refine((p) => p.method === undefined || p.methods === undefined, {
    message: 'set either method or methods, not both',
    path: ['methods'],
  })
  .transform(({ path, method: one, methods, responseTimeoutMs, auth, rateLimit }) => ({
    path,
    methods: [...new Set(methods ?? [one ?? 'POST'])],
    responseTimeoutMs,
    auth,
    ...(rateLimit === undefined ? {} : { rateLimit }),
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
