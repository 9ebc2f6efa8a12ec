import { isJsonObject, type ErrorDetail } from '@flowstate/core';
import type { VersionAuthorship } from '@flowstate/engine';
import { httpError } from './errors.js';

/** 404 for an unknown workflow id. */
export function notFound(id: string) {
  return httpError('WORKFLOW_NOT_FOUND', `Workflow "${id}" does not exist.`);
}

/** 400 `VALIDATION_FAILED` listing every problem (the message names the first five). */
export function invalidDefinition(details: ErrorDetail[], what = 'Workflow definition') {
  const summary = details
    .slice(0, 5)
    .map((d) => `${d.path || '/'}: ${d.message}`)
    .join('; ');
  const more = details.length > 5 ? ` (and ${details.length - 5} more)` : '';
  return httpError('VALIDATION_FAILED', `${what} is invalid: ${summary}${more}`, details);
}

/** The authorship fields that are set. */
export function authorship(input: VersionAuthorship): VersionAuthorship {
  return {
    ...(input.author === undefined ? {} : { author: input.author }),
    ...(input.message === undefined ? {} : { message: input.message }),
  };
}

/** The document without its `id` field (ids are not part of the definition schema). */
export function withoutId(document: unknown): unknown {
  if (!isJsonObject(document) || !('id' in document)) return document;
  const { id: _id, ...rest } = document;
  return rest;
}

/** JSON with object keys sorted, so equal documents compare equal whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isJsonObject(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
