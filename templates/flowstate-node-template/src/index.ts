import { z } from 'zod';
import { definePlugin, defineNode, NonRetriableError } from '@flowstate/sdk';

/**
 * A node that greets someone. Rename the type (keep a prefix of your own: type ids are global),
 * describe every param (the editor's form and the node reference show the texts), and replace
 * `run` with your logic.
 */
export const greet = defineNode({
  type: 'my-nodes.greet',
  name: 'Greet',
  group: 'data',
  description: 'Builds a greeting for a person.',
  params: z.object({
    name: z.string().min(1).describe('Who to greet, e.g. {{ $input.firstName }}'),
    greeting: z.string().default('Hello').describe('The word to greet with'),
  }),
  sideEffects: false,
  run(ctx) {
    const name = ctx.params.name.trim();
    if (name === '') throw new NonRetriableError('name is blank');
    return { message: `${ctx.params.greeting}, ${name}!` };
  },
});

/** Flowstate loads the node types of the default export. */
export default definePlugin({ nodes: [greet] });
