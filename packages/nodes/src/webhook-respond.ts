import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

/** Sets the synchronous answer to the webhook call that started the execution. */
export const webhookRespond = defineNode({
  type: 'webhook.respond',
  name: 'Respond to webhook',
  group: 'action',
  description: 'Sets the HTTP response of the webhook that started this execution.',
  icon: 'reply',
  params: z.object({
    status: z.int().min(100).max(599).default(200).describe('HTTP status code'),
    headers: z.record(z.string().min(1), z.string()).optional().describe('Response headers'),
    body: z.json().optional().describe("Response body; unset: this node's input"),
  }),
  sideEffects: false,
  run(ctx) {
    const { status, headers, body } = ctx.params;
    return ctx.respond({
      status,
      ...(headers === undefined ? {} : { headers }),
      body: body === undefined ? ctx.input : body,
    });
  },
});
