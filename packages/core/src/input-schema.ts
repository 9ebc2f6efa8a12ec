import { z } from 'zod';
import { FlowstateError } from './errors.js';
import type { JsonValue } from './json.js';
import { toPointer, type PathSegment } from './json-pointer.js';

/** Compiled `inputSchema`s, by the schema object of a stored workflow version. */
const compiled = new WeakMap<object, z.ZodType>();

/**
 * The validator of a workflow's `inputSchema` (JSON Schema, as `z.fromJSONSchema` reads it).
 * Throws `FlowstateError` `INVALID_INPUT_SCHEMA` naming what it cannot read.
 */
export function compileInputSchema(schema: Record<string, unknown>): z.ZodType {
  let validator = compiled.get(schema);
  if (validator === undefined) {
    try {
      validator = z.fromJSONSchema(schema as never);
    } catch (error) {
      throw new FlowstateError(
        'INVALID_INPUT_SCHEMA',
        `inputSchema is not a JSON Schema Flowstate can check: ${(error as Error).message}`,
      );
    }
    compiled.set(schema, validator);
  }
  return validator;
}

/**
 * Checks the input of a manual run or a sub-workflow call against the workflow's
 * `inputSchema`; throws `FlowstateError` `INVALID_INPUT` with one detail per problem, each
 * with a JSON pointer into the input (`/amount`) and a sentence.
 */
export function checkInput(
  schema: Record<string, unknown>,
  input: JsonValue,
  workflowName: string,
): void {
  const result = compileInputSchema(schema).safeParse(input);
  if (result.success) return;
  const details = result.error.issues.map((issue) => ({
    path: toPointer(issue.path.filter((s): s is PathSegment => typeof s !== 'symbol')),
    message: issue.message,
  }));
  throw new FlowstateError(
    'INVALID_INPUT',
    `The input does not match the inputSchema of workflow "${workflowName}": ${details
      .map((d) => `${d.path || '/'} ${d.message}`)
      .join('; ')}`,
    { details },
  );
}
