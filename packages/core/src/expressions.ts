import {
  BoundedCache,
  compileExpression,
  type CompiledExpression,
  type ExpressionLimits,
} from './expression-cache.js';
import { ExpressionError, toExpressionError } from './expression-error.js';
import { BAIL } from './fast-expression.js';
import type { JsonValue } from './json.js';
import { toPointer, type PathSegment } from './json-pointer.js';
import { parseTemplate, isTemplate, type Template } from './template.js';

/** Facts about the running execution, bound as `$execution`. */
export interface ExecutionInfo {
  readonly id: string;
  readonly workflowId: string;
  readonly workflowVersion?: number;
  /** Sub-workflow nesting depth (0 for a top-level execution). */
  readonly depth?: number;
  readonly [key: string]: JsonValue | undefined;
}

/**
 * The variables an expression sees, bound as `$trigger $steps $input $item $index $vars
 * $execution $now`. `$input` is also the context (`$`), so `{{ total }}` reads `$input.total`.
 * `$now` is the execution clock's ISO time (a string, so runs replay the same); it shadows
 * JSONata's `$now()` function.
 */
export interface ExpressionScope {
  /** The output of the trigger that started the execution. */
  trigger: JsonValue;
  /** Outputs of completed upstream nodes, by node name. */
  steps: Record<string, JsonValue>;
  /** This node's input. */
  input: JsonValue;
  /** The current item inside a loop body. */
  item?: JsonValue;
  /** The current item's index inside a loop body. */
  index?: number;
  vars: Record<string, JsonValue>;
  execution: ExecutionInfo;
  /** ISO 8601 time from the injected clock. */
  now: string;
}

/** Time and depth bounds of one evaluation. */
export interface EvaluateOptions {
  /** Wall-clock budget of one expression (default 1000 ms). */
  timeoutMs?: number;
  /** Maximum nesting of JSONata evaluation frames (default 200): stops runaway recursion. */
  maxDepth?: number;
}

/** Default budget of one expression evaluation. */
export const DEFAULT_EXPRESSION_TIMEOUT_MS = 1000;
/** Default maximum evaluation depth. */
export const DEFAULT_EXPRESSION_MAX_DEPTH = 200;

const DEFAULT_LIMITS: ExpressionLimits = {
  timeoutMs: DEFAULT_EXPRESSION_TIMEOUT_MS,
  maxDepth: DEFAULT_EXPRESSION_MAX_DEPTH,
};

/**
 * Evaluates one bare JSONata expression (no `{{ }}`) against `scope`. An `undefined` result
 * becomes `null`. Rejects with an {@link ExpressionError} on a syntax error, a runtime error,
 * a timeout or too deep a recursion.
 *
 * @example
 * await evaluateExpression('$input.qty * $input.price', scope); // 42
 */
export async function evaluateExpression(
  expression: string,
  scope: ExpressionScope,
  options: EvaluateOptions & {
    nodeName?: string;
    /** JSON pointer of the parameter, for error messages. */
    path?: string;
    /** Extra variables, e.g. `{ value: 3 }` for `$value`. */
    bindings?: Record<string, JsonValue>;
  } = {},
): Promise<JsonValue> {
  const bindings = options.bindings === undefined ? scope : { ...scope, ...options.bindings };
  const where = { nodeName: options.nodeName, path: options.path };
  const pending = run(expression, bindings, limitsOf(options), where, 0);
  const value = pending instanceof Promise ? await pending : pending;
  return value === undefined ? null : value;
}

/**
 * Resolves one parameter string. A string that is exactly one template (`"{{ $input.x }}"`,
 * whitespace around allowed) keeps the value's JSON type; mixed text is concatenated, objects
 * JSON-stringified and null/undefined as `''`. A string without `{{` is returned unchanged.
 */
export async function evaluateTemplate(
  source: string,
  scope: ExpressionScope,
  options: EvaluateOptions & { nodeName?: string; path?: string } = {},
): Promise<JsonValue> {
  if (!isTemplate(source)) return source;
  const where = { nodeName: options.nodeName, path: options.path };
  const template = cachedTemplate(source, where);
  const limits = limitsOf(options);
  const single = template.single;
  if (single !== undefined) {
    const pending = run(single.source, scope, limits, where, single.offset);
    const value = pending instanceof Promise ? await pending : pending;
    return value === undefined ? null : value;
  }
  let text = '';
  for (const part of template.parts) {
    if (part.kind === 'text') {
      text += part.text;
      continue;
    }
    const pending = run(part.source, scope, limits, where, part.offset);
    text += stringify(pending instanceof Promise ? await pending : pending);
  }
  return text;
}

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
  const limits = limitsOf({});
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
    template = cachedTemplate(source, {});
  } catch (error) {
    report(error as ExpressionError);
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

const templates = new BoundedCache<Template | ExpressionError>(5_000);

function cachedTemplate(source: string, location: { nodeName?: string; path?: string }): Template {
  let template = templates.get(source);
  if (template === undefined) {
    try {
      template = parseTemplate(source);
    } catch (error) {
      template = error as ExpressionError;
    }
    templates.set(source, template);
  }
  if (template instanceof ExpressionError) throw template.locate(location);
  return template;
}

function limitsOf(options: EvaluateOptions): ExpressionLimits {
  if (options.timeoutMs === undefined && options.maxDepth === undefined) return DEFAULT_LIMITS;
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS,
    maxDepth: options.maxDepth ?? DEFAULT_EXPRESSION_MAX_DEPTH,
  };
}

/** The node and parameter an expression belongs to, for error messages. */
type Where = { nodeName?: string | undefined; path?: string | undefined };

/**
 * Compiles (cached) and evaluates one expression; `undefined` means JSONata gave no value.
 * Returns synchronously when the fast path answers, to spare the hot path a promise.
 */
function run(
  source: string,
  bindings: object,
  limits: ExpressionLimits,
  where: Where,
  offset: number,
): JsonValue | undefined | Promise<JsonValue | undefined> {
  let compiled: CompiledExpression;
  try {
    compiled = compileExpression(source, limits);
  } catch (error) {
    throw toExpressionError(error, { ...where, offset, phase: 'parse' });
  }
  if (compiled.fast !== undefined) {
    try {
      return compiled.fast(bindings as Record<string, unknown>) as JsonValue | undefined;
    } catch (error) {
      if (error !== BAIL) throw error;
    }
  }
  return runJsonata(compiled, bindings, where, offset);
}

async function runJsonata(
  compiled: CompiledExpression,
  bindings: object,
  where: Where,
  offset: number,
): Promise<JsonValue | undefined> {
  let result: unknown;
  try {
    result = await compiled.expression.evaluate((bindings as { input?: unknown }).input, bindings);
  } catch (error) {
    throw toExpressionError(error, { ...where, offset, phase: 'evaluate' });
  }
  if (typeof result === 'function' || isJsonataFunction(result)) {
    throw new ExpressionError('EXPRESSION_ERROR', 'The expression evaluates to a function, not a JSON value', {
      ...where,
      position: offset + 1,
    });
  }
  return normalize(result);
}

function isJsonataFunction(value: unknown): boolean {
  return typeof value === 'object' && value !== null && '_jsonata_function' in value;
}

/** Turns a JSONata result into plain JSON: sequences become arrays, functions and undefined go. */
function normalize(value: unknown): JsonValue | undefined {
  if (value === undefined || typeof value === 'function' || isJsonataFunction(value)) return undefined;
  if (typeof value !== 'object' || value === null) return value as JsonValue;
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) out.push(normalize(item) ?? null);
    return out;
  }
  const out: Record<string, JsonValue> = {};
  for (const key of Object.keys(value)) {
    const item = normalize((value as Record<string, unknown>)[key]);
    if (item !== undefined) setOwn(out, key, item);
  }
  return out;
}

function stringify(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Assigns an own property, also for a `__proto__` key (JSON.parse makes those; `=` would set the prototype). */
function setOwn(target: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
