import { z } from 'zod';
import { assertNever, isJsonObject, type JsonValue } from '@flowstate/core';
import { defineNode } from '@flowstate/sdk';

/**
 * Joins branches. The engine waits for every live predecessor and passes an object keyed by
 * predecessor name; `object` outputs it as is, `append` concatenates the values (arrays
 * spread, other values as items) in key order, `first` outputs the first value.
 */
export const flowMerge = defineNode({
  type: 'flow.merge',
  name: 'Merge',
  group: 'control',
  description: 'Waits for all live branches and combines their outputs.',
  icon: 'merge',
  params: z.object({
    mode: z
      .enum(['object', 'append', 'first'])
      .default('object')
      .describe(
        'object: the outputs keyed by branch node name; append: one array of all outputs; first: the first output',
      ),
  }),
  sideEffects: false,
  run(ctx) {
    const input = ctx.input;
    // A single live predecessor delivers its value directly rather than keyed by name.
    const values: JsonValue[] = isJsonObject(input) ? Object.values(input) : [input];
    switch (ctx.params.mode) {
      case 'object':
        return input;
      case 'append':
        return values.flatMap((value) => (Array.isArray(value) ? value : [value]));
      case 'first':
        return values[0] ?? null;
      default:
        return assertNever(ctx.params.mode);
    }
  },
});
