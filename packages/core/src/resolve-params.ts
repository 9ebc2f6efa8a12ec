import {
  compileExpression,
  resolveLimits,
  type EvaluateOptions,
  type ExpressionLimits,
} from './expression-cache.js';
import { ExpressionError, toExpressionError } from './expression-error.js';
import { evaluateTemplate, type ExpressionScope } from './expressions.js';
import type { JsonValue } from './json.js';
import { toPointer, type PathSegment } from './json-pointer.js';
import { setOwn } from './safe-object.js';
import { isTemplate, parseTemplateCached, type Template } from './template.js';

/**
 * Returns a copy of `params` with every template string resolved, walking objects and arrays.
 * Top-level keys listed in `rawParams` are passed through untouched. Errors name the node and
 * the parameter: `Node "Compute": /params/fields/total at character 12: ...`.
 */
export async function resolveParams(
  params: Record<string, unknown>,
  scope: ExpressionScope,
  options: EvaluateOptions & { nodeName: string; rawParams?: readonly string[] },
): Promise<Record<string, JsonValue>> {
  const walk: Walk = { scope, options, path: ['params'] };
  const resolved: Record<string, JsonValue> = {};
  for (const key of Object.keys(params)) {
    const value = params[key];
    if (options.rawParams?.includes(key) === true) {
      if (value !== undefined) setOwn(resolved, key, value as JsonValue);
      continue;
    }
    walk.path.push(key);
    const result = await resolveValue(value, walk);
    walk.path.pop();
    if (result !== undefined) setOwn(resolved, key, result);
  }
  return resolved;
}

/** A syntax problem in a parameter's template, located by a JSON pointer relative to the params. */
export interface ExpressionProblem {
  /** JSON pointer relative to the params object, e.g. `/fields/total`. */
  path: string;
  message: string;
  /** 1-based character number within the parameter string (see {@link ExpressionLocation}). */
  position?: number;
}

/**
 * Syntax-checks every template in a params object without evaluating anything (used by the
 * validator). Top-level keys in `rawParams` are skipped.
 */
export function checkExpressions(
  params: Record<string, unknown>,
  options: { rawParams?: readonly string[] } = {},
): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  const limits = resolveLimits({});
  const visit = (value: unknown, path: PathSegment[]): void => {
    if (typeof value === 'string') {
      if (isTemplate(value)) checkTemplate(value, path, limits, problems);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, index]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  for (const [key, value] of Object.entries(params)) {
    if (options.rawParams?.includes(key) !== true) visit(value, [key]);
  }
  return problems;
}

function checkTemplate(
  source: string,
  path: PathSegment[],
  limits: ExpressionLimits,
  problems: ExpressionProblem[],
): void {
  const report = (error: ExpressionError): void => {
    const at = error.position === undefined ? '' : ` at character ${error.position}`;
    problems.push({
      path: toPointer(path),
      message: `expression does not parse${at}: ${error.reason}`,
      ...(error.position === undefined ? {} : { position: error.position }),
    });
  };
  let template: Template;
  try {
    template = parseTemplateCached(source);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    report(error);
    return;
  }
  for (const part of template.parts) {
    if (part.kind !== 'expression') continue;
    try {
      compileExpression(part.source, limits);
    } catch (error) {
      report(toExpressionError(error, { phase: 'parse', offset: part.offset }));
    }
  }
}

interface Walk {
  scope: ExpressionScope;
  options: EvaluateOptions & { nodeName: string };
  path: PathSegment[];
}

async function resolveValue(value: unknown, walk: Walk): Promise<JsonValue | undefined> {
  if (typeof value === 'string') {
    if (!isTemplate(value)) return value;
    try {
      return await evaluateTemplate(value, walk.scope, walk.options);
    } catch (error) {
      // The pointer is built only on failure: the hot path never pays for it.
      throw error instanceof ExpressionError ? error.locate({ path: toPointer(walk.path) }) : error;
    }
  }
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (let index = 0; index < value.length; index++) {
      walk.path.push(index);
      out.push((await resolveValue(value[index], walk)) ?? null);
      walk.path.pop();
    }
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value)) {
      walk.path.push(key);
      const result = await resolveValue((value as Record<string, unknown>)[key], walk);
      walk.path.pop();
      if (result !== undefined) setOwn(out, key, result);
    }
    return out;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  return undefined;
}
