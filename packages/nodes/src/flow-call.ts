import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

/** Runs another workflow (a pinned version or the published one) and outputs its result. */
export const flowCall = defineNode({
  type: 'flow.call',
  name: 'Call workflow',
  group: 'control',
  description: 'Runs another workflow and waits for its result.',
  icon: 'workflow',
  params: z.object({
    workflowId: z.string().min(1).max(200).describe('Id of the workflow to run'),
    version: z.int().min(1).optional().describe('Version to run; unset: the published version'),
    input: z.json().optional().describe("The called workflow's input; unset: this node's input"),
    onParentFailure: z
      .enum(['cancel', 'continue'])
      .default('cancel')
      .describe(
        'If this execution fails while the called one runs: cancel it (default) or let it finish',
      ),
  }),
  sideEffects: true,
  run(ctx) {
    const { workflowId, version, input, onParentFailure } = ctx.params;
    return ctx.callWorkflow({
      workflowId,
      ...(version === undefined ? {} : { version }),
      input: input === undefined ? ctx.input : input,
      onParentFailure,
    });
  },
});
