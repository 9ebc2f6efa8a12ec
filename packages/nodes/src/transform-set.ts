import { z } from 'zod';
import {
  defineNode,
  isJsonObject,
  NonRetriableError,
  type JsonObject,
  type JsonValue,
} from '@flowstate/sdk';

const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Returns a copy of `target` with `value` at the dotted `path` (`customer.email`); objects on
 * the way are copied, never mutated, and created (or replace non-objects) where missing.
 */
export function setPath(target: JsonObject, path: string, value: JsonValue): JsonObject {
  const keys = path.split('.');
  if (keys.some((key) => key === '' || FORBIDDEN_KEYS.has(key))) {
    throw new NonRetriableError(`Field name "${path}" is not a valid dotted path`, {
      code: 'INVALID_FIELD',
    });
  }
  const root: JsonObject = { ...target };
  let cursor = root;
  keys.forEach((key, index) => {
    if (index === keys.length - 1) {
      cursor[key] = value;
      return;
    }
    const existing = cursor[key];
    const next: JsonObject = isJsonObject(existing) ? { ...existing } : {};
    cursor[key] = next;
    cursor = next;
  });
  return root;
}

/** Sets fields on the input (or on a fresh object); dotted names set nested paths. */
export const setFields = defineNode({
  type: 'transform.set',
  name: 'Set fields',
  group: 'data',
  description: 'Adds or overwrites fields; "customer.email" sets a nested field.',
  icon: 'pen',
  params: z.object({
    fields: z
      .record(z.string().min(1), z.json())
      .describe('Field path -> value; "customer.email" sets a nested field'),
    keepInput: z
      .boolean()
      .default(true)
      .describe('Start from the input object (true) or from an empty object (false)'),
  }),
  sideEffects: false,
  run(ctx) {
    const base: JsonObject = ctx.params.keepInput && isJsonObject(ctx.input) ? ctx.input : {};
    let output: JsonObject = { ...base };
    for (const [field, value] of Object.entries(ctx.params.fields))
      output = setPath(output, field, value);
    return output;
  },
});
