import { z } from 'zod';
import type { ErrorDetail } from '@flowstate/core';
import { CrmError } from './errors.js';
import { RECORD_TYPES } from './records.js';

/** Types a custom field may have. */
export const FIELD_TYPES = ['text', 'number', 'boolean', 'date', 'select'] as const;

/** A custom field of one record type, stored in the record's `custom` object under `key`. */
export const FieldDefinitionSchema = z
  .object({
    recordType: z.enum(RECORD_TYPES),
    key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, 'a letter, then letters, digits or _'),
    label: z.string().min(1).max(200),
    type: z.enum(FIELD_TYPES),
    /** The allowed values of a `select` field. */
    options: z.array(z.string().min(1).max(200)).max(200).optional(),
    required: z.boolean().default(false),
  })
  .strict();
export type FieldDefinition = z.infer<typeof FieldDefinitionSchema>;

function problem(def: FieldDefinition, value: unknown): string | undefined {
  switch (def.type) {
    case 'text':
      return typeof value === 'string' && value.length <= 10_000
        ? undefined
        : 'must be a string (at most 10,000 characters)';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value))
        ? undefined
        : 'must be an ISO-8601 date';
    case 'select':
      return typeof value === 'string' && (def.options ?? []).includes(value)
        ? undefined
        : `must be one of ${(def.options ?? []).map((o) => `"${o}"`).join(', ')}`;
  }
}

/**
 * Checks a record's custom values against the definitions of its type: every key must be
 * defined, every value of the defined type (`null` clears a value), every required field set.
 * Throws `INVALID_CUSTOM_FIELD` listing every problem.
 */
export function validateCustomFields(
  definitions: readonly FieldDefinition[],
  custom: Record<string, unknown>,
): void {
  const details: ErrorDetail[] = [];
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  for (const [key, value] of Object.entries(custom)) {
    const def = byKey.get(key);
    if (def === undefined) {
      details.push({
        path: `/custom/${key}`,
        message: `no custom field "${key}" is defined${definitions.length ? ` (defined: ${[...byKey.keys()].join(', ')})` : ''}`,
      });
      continue;
    }
    if (value === null) continue;
    const message = problem(def, value);
    if (message) details.push({ path: `/custom/${key}`, message: `${def.label} ${message}` });
  }
  for (const def of definitions) {
    if (def.required && (custom[def.key] === undefined || custom[def.key] === null)) {
      details.push({ path: `/custom/${def.key}`, message: `${def.label} is required` });
    }
  }
  if (details.length > 0) {
    throw new CrmError(
      'INVALID_CUSTOM_FIELD',
      `Custom fields are invalid: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
      { details },
    );
  }
}

/** Merges a patch into custom values: `null` removes a key. */
export function mergeCustom(
  current: Record<string, unknown>,
  patch: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (patch === undefined) return current;
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}
