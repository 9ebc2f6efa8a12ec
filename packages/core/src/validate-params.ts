import type { z } from 'zod';
import { checkExpressions } from './resolve-params.js';
import { toPointer, type PathSegment } from './json-pointer.js';
import { isTemplate } from './template.js';
import { ProblemCodes, type ValidationContext } from './validation-context.js';

/**
 * Params of every node: templates must parse, and the params must satisfy the node type's
 * schema. A template string is accepted for any field (it is resolved at run time).
 */
export function checkParams(ctx: ValidationContext): void {
  ctx.nodes.forEach((node, index) => {
    if (node === undefined) return;
    const base = `/nodes/${index}/params`;
    const nodeType = ctx.registry.get(node.type);
    for (const problem of checkExpressions(node.params, { rawParams: nodeType?.rawParams ?? [] })) {
      ctx.problems.push({
        path: base + problem.path,
        message: problem.message,
        code: ProblemCodes.expressionSyntax,
      });
    }
    if (nodeType === undefined) return;
    for (const issue of schemaIssues(nodeType.params, node.params)) {
      ctx.problems.push({
        path: base + issue.path,
        message: issue.message,
        code: ProblemCodes.invalidParam,
      });
    }
  });
}

function schemaIssues(
  schema: z.ZodType,
  params: Record<string, unknown>,
): Array<{ path: string; message: string }> {
  let result: ReturnType<z.ZodType['safeParse']>;
  try {
    result = schema.safeParse(params);
  } catch (error) {
    if (containsTemplate(params)) return [];
    return [{ path: '', message: `params could not be checked: ${String(error)}` }];
  }
  if (result.success) return [];
  const issues: Array<{ path: string; message: string }> = [];
  for (const issue of result.error.issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    if (coveredByTemplate(params, path, issue.code)) continue;
    issues.push({ path: toPointer(path), message: describeIssue(issue, valueAt(params, path)) });
  }
  return issues;
}

/**
 * True when the issue is about a value that a template produces at run time: the value at the
 * path (or one of its ancestors) is a template, or a whole-object check (refine, union) covers
 * a subtree that holds one.
 */
function coveredByTemplate(root: unknown, path: readonly PathSegment[], code: string): boolean {
  let value: unknown = root;
  for (const segment of path) {
    if (isTemplate(value)) return true;
    value = child(value, segment);
  }
  if (isTemplate(value)) return true;
  return (code === 'custom' || code === 'invalid_union') && containsTemplate(value);
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type' && value === undefined)
    return `is required (expected ${issue.expected})`;
  return issue.message;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) value = child(value, segment);
  return value;
}

function child(value: unknown, segment: PathSegment): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return Object.hasOwn(value, segment)
    ? (value as Record<PathSegment, unknown>)[segment]
    : undefined;
}

function containsTemplate(value: unknown): boolean {
  if (isTemplate(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(containsTemplate);
}
