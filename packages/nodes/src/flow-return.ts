import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

/** Makes `value` (default: the input) the execution's result, e.g. for a calling workflow. */
export const flowReturn = defineNode({
  type: 'flow.return',
  name: 'Return',
  group: 'control',
  description: "Sets the workflow's result (default: this node's input).",
  icon: 'corner-down-left',
  params: z.object({
    value: z.json().optional().describe("The workflow's result; unset: this node's input"),
  }),
  sideEffects: false,
  run: (ctx) => ctx.returnValue(ctx.params.value === undefined ? ctx.input : ctx.params.value),
});
