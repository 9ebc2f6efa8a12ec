import { z } from 'zod';
import { defineNode, NonRetriableError, type JsonValue } from '@flowstate/sdk';
import { BoundedRegExp, FlowstateError } from '@flowstate/core';
import { isTruthy } from '../truthy.js';
import { errorMessage, fieldPath, getField, itemError, itemsParam, resolveItems } from './items.js';

/** The comparisons a filter rule can make. */
export const FILTER_OPERATORS = [
  'equals',
  'notEquals',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'notContains',
  'startsWith',
  'endsWith',
  'in',
  'notIn',
  'matches',
  'exists',
  'notExists',
  'isEmpty',
  'isNotEmpty',
] as const;
type FilterOperator = (typeof FILTER_OPERATORS)[number];

const rule = z.object({
  field: fieldPath.describe('Dotted path of the field to test, e.g. "customer.country"'),
  operator: z.enum(FILTER_OPERATORS).describe('How the field is compared with the value'),
  value: z
    .json()
    .optional()
    .describe(
      'What the field is compared with (a list for in/notIn; for matches, a regular expression, run in linear time or refused when it could backtrack exponentially)',
    ),
});
type FilterRule = z.output<typeof rule>;

const params = z
  .object({
    items: itemsParam,
    condition: z
      .string()
      .max(10_000)
      .optional()
      .describe(
        'A JSONata predicate evaluated per item with $item and $index, e.g. $item.total > 100',
      ),
    rules: z
      .array(rule)
      .max(100)
      .optional()
      .describe('Simple rules instead of (or as well as) a condition: field, operator, value'),
    match: z
      .enum(['all', 'any'])
      .default('all')
      .describe('Keep items that pass all rules or any rule'),
    output: z
      .enum(['kept', 'both'])
      .default('kept')
      .describe('"kept": the kept items; "both": { kept, rejected } with the dropped items too'),
  })
  .refine((p) => p.condition !== undefined || (p.rules !== undefined && p.rules.length > 0), {
    message: 'set a condition or at least one rule',
    path: ['condition'],
  });

function compareOrdered(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** Whether `value` (a field of an item) passes `operator` against `expected`. */
export function testRule(operator: FilterOperator, value: unknown, expected: unknown): boolean {
  switch (operator) {
    case 'equals':
      return JSON.stringify(value) === JSON.stringify(expected);
    case 'notEquals':
      return JSON.stringify(value) !== JSON.stringify(expected);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const order = compareOrdered(value, expected);
      if (order === undefined) return false;
      if (operator === 'gt') return order > 0;
      if (operator === 'gte') return order >= 0;
      return operator === 'lt' ? order < 0 : order <= 0;
    }
    case 'contains':
    case 'notContains': {
      const has = Array.isArray(value)
        ? value.some((v) => JSON.stringify(v) === JSON.stringify(expected))
        : typeof value === 'string' && value.includes(String(expected));
      return operator === 'contains' ? has : !has;
    }
    case 'startsWith':
      return typeof value === 'string' && value.startsWith(String(expected));
    case 'endsWith':
      return typeof value === 'string' && value.endsWith(String(expected));
    case 'in':
    case 'notIn': {
      const list = Array.isArray(expected) ? expected : [];
      const has = list.some((v) => JSON.stringify(v) === JSON.stringify(value));
      return operator === 'in' ? has : !has;
    }
    case 'matches':
      return typeof value === 'string' && pattern(String(expected)).test(value);
    case 'exists':
      return value !== undefined;
    case 'notExists':
      return value === undefined;
    case 'isEmpty':
      return isEmpty(value);
    case 'isNotEmpty':
      return !isEmpty(value);
  }
}

const patterns = new Map<string, RegExp>();

/** The compiled `matches` pattern (see BoundedRegExp: it cannot block the process). */
function pattern(source: string): RegExp {
  let compiled = patterns.get(source);
  if (compiled === undefined) {
    compiled = new BoundedRegExp(source);
    if (patterns.size >= 1000) patterns.clear();
    patterns.set(source, compiled);
  }
  return compiled;
}

function ruleError(index: number, r: FilterRule, message: string, cause?: unknown): Error {
  return new NonRetriableError(`data.filter: rules[${index}] (field "${r.field}"): ${message}`, {
    code: 'INVALID_FILTER_RULE',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Rules are checked once, before any item, so a bad rule fails the same way on any list. */
function checkRules(rules: readonly FilterRule[]): void {
  rules.forEach((r, i) => {
    if ((r.operator === 'in' || r.operator === 'notIn') && !Array.isArray(r.value))
      throw ruleError(i, r, `${r.operator} needs a list value`);
    if (r.operator === 'matches') {
      try {
        pattern(String(r.value));
      } catch (error) {
        if (error instanceof FlowstateError) throw ruleError(i, r, error.message, error);
        throw ruleError(i, r, `${JSON.stringify(r.value)} is not a valid pattern`, error);
      }
    }
  });
}

/**
 * Keeps the items of a list that pass a JSONata predicate (`$item`, `$index`) and/or simple
 * field rules. Outputs the kept items, or `{ kept, rejected }` with `output: "both"`.
 */
export const dataFilter = defineNode({
  type: 'data.filter',
  name: 'Filter',
  group: 'data',
  description: 'Keeps the items of a list that match a condition or rules.',
  icon: 'filter',
  params,
  rawParams: ['condition'],
  sideEffects: false,
  async run(ctx) {
    const items = resolveItems('data.filter', ctx.params.items, ctx.input);
    const rules = ctx.params.rules ?? [];
    // Written as a template out of habit, the condition is still one expression per item.
    const condition = ctx.params.condition?.replace(/^\s*\{\{([\s\S]*)\}\}\s*$/, '$1');
    checkRules(rules);
    const kept: JsonValue[] = [];
    const rejected: JsonValue[] = [];
    for (const [index, item] of items.entries()) {
      let pass = true;
      if (rules.length > 0) {
        const results = rules.map((r) => testRule(r.operator, getField(item, r.field), r.value));
        pass = ctx.params.match === 'all' ? results.every(Boolean) : results.some(Boolean);
      }
      if (pass && condition !== undefined) {
        try {
          pass = isTruthy(await ctx.evaluate(condition, { item, index }));
        } catch (error) {
          const why = errorMessage(error);
          throw itemError(
            'data.filter',
            { index },
            `condition failed: ${why}`,
            'FILTER_CONDITION_FAILED',
            error,
          );
        }
      }
      (pass ? kept : rejected).push(item);
    }
    return ctx.params.output === 'both' ? { kept, rejected } : kept;
  },
});
