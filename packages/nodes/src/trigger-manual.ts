import { z } from 'zod';
import { defineNode } from '@flowstate/sdk';

/** Starts an execution by hand (editor "Run" button, API, CLI); outputs the run's input. */
export const manualTrigger = defineNode({
  type: 'trigger.manual',
  name: 'Manual trigger',
  group: 'trigger',
  description: 'Starts the workflow by hand, from the editor, the API or the CLI.',
  icon: 'play',
  params: z.object({}),
  sideEffects: false,
  trigger: true,
  run: (ctx) => ctx.input,
});
