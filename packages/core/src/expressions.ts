import {
  compileExpression,
  resolveLimits,
  type CompiledExpression,
  type EvaluateOptions,
  type ExpressionLimits,
} from './expression-cache.js';
import { ExpressionError, toExpressionError } from './expression-error.js';
import { BAIL } from './fast-expression.js';
import type { JsonValue } from './json.js';
import { isTemplate, parseTemplateCached, type Template } from './template.js';
import { setOwn } from './safe-object.js';

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
  const pending = run(expression, bindings, resolveLimits(options), where, 0);
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
  let template: Template;
  try {
    template = parseTemplateCached(source);
  } catch (error) {
    throw error instanceof ExpressionError ? error.locate(where) : error;
  }
  const limits = resolveLimits(options);
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
      if (error !== BAIL) throw toExpressionError(error, { ...where, offset, phase: 'evaluate' });
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
    throw new ExpressionError(
      'EXPRESSION_ERROR',
      'The expression evaluates to a function, not a JSON value',
      {
        ...where,
        position: offset + 1,
      },
    );
  }
  return normalize(result);
}

function isJsonataFunction(value: unknown): boolean {
  return typeof value === 'object' && value !== null && '_jsonata_function' in value;
}

/** Turns a JSONata result into plain JSON: sequences become arrays, functions and undefined go. */
function normalize(value: unknown): JsonValue | undefined {
  if (value === undefined || typeof value === 'function' || isJsonataFunction(value))
    return undefined;
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
