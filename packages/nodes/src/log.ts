import { z } from 'zod';
import { defineNode, isJsonObject } from '@flowstate/sdk';

/** Writes a line to the execution's log and passes its input through. */
export const logNode = defineNode({
  type: 'log',
  name: 'Log',
  group: 'action',
  description: "Writes a message to the execution's log; outputs its input unchanged.",
  icon: 'scroll',
  params: z.object({
    message: z.string().max(10_000).describe('The text to log; may hold {{ }} expressions'),
    level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Log level'),
    data: z.json().optional().describe('Structured data logged with the message'),
  }),
  sideEffects: true,
  run(ctx) {
    const { message, level, data } = ctx.params;
    if (data === undefined) ctx.logger[level](message);
    else ctx.logger[level](message, isJsonObject(data) ? data : { data });
    return ctx.input;
  },
});
