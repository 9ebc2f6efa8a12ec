import type jsonata from 'jsonata';

/**
 * Evaluates a compiled expression synchronously, or throws {@link BAIL} when the values met
 * need JSONata's full semantics (arrays, objects in operators, type errors): the caller then
 * runs JSONata itself, which gives the exact result or error. Never throws anything else.
 */
export type FastEvaluator = (bindings: Readonly<Record<string, unknown>>) => unknown;

/** Thrown by a {@link FastEvaluator} to hand the expression back to JSONata. */
export const BAIL: unique symbol = Symbol('bail');

/**
 * Compiles the side-effect-free core of JSONata that parameter templates mostly use —
 * literals, `$var.a.b` and `a.b` paths, arithmetic, comparisons, `&`, `and`/`or`,
 * `? :`, unary minus and single-expression blocks — into plain closures that run without
 * promises. Returns undefined for anything else (functions, filters, lambdas, ...) and for
 * trees deeper than {@link MAX_FAST_DEPTH}, which JSONata evaluates under its depth limit.
 */
export function compileFast(node: jsonata.ExprNode, depth = 0): FastEvaluator | undefined {
  if (depth > MAX_FAST_DEPTH) return undefined;
  const raw = node as unknown as Record<string, unknown>;
  const next = depth + 1;
  switch (raw.type) {
    case 'number':
    case 'string':
    case 'value':
      return hasOnly(raw, LEAF) ? constant(raw.value) : undefined;
    case 'variable':
      return hasOnly(raw, LEAF) && typeof raw.value === 'string' && raw.value !== ''
        ? variable(raw.value)
        : undefined;
    case 'path':
      return hasOnly(raw, PATH) ? path(raw.steps as unknown[]) : undefined;
    case 'block': {
      const expressions = raw.expressions as jsonata.ExprNode[] | undefined;
      if (!hasOnly(raw, BLOCK) || expressions?.length !== 1) return undefined;
      return compileFast(expressions[0]!, next);
    }
    case 'unary':
      return raw.value === '-' && hasOnly(raw, UNARY)
        ? negate(raw.expression as jsonata.ExprNode, next)
        : undefined;
    case 'condition':
      return hasOnly(raw, CONDITION) ? condition(raw, next) : undefined;
    case 'binary':
      return hasOnly(raw, BINARY) ? binary(raw, next) : undefined;
    case 'function':
      return hasOnly(raw, FUNCTION) && raw.name === undefined ? call(raw, next) : undefined;
    default:
      return undefined;
  }
}

/** Deepest expression tree compiled to closures (keeps their recursion far from the stack limit). */
export const MAX_FAST_DEPTH = 64;

const LEAF = new Set(['type', 'value', 'position']);
const PATH = new Set(['type', 'steps']);
const BLOCK = new Set(['type', 'position', 'expressions']);
const UNARY = new Set(['type', 'value', 'position', 'expression']);
const CONDITION = new Set(['type', 'position', 'condition', 'then', 'else']);
const BINARY = new Set(['type', 'value', 'position', 'lhs', 'rhs']);
const FUNCTION = new Set(['type', 'name', 'value', 'position', 'arguments', 'procedure']);

/**
 * Built-in string functions with JSONata's exact results for a string or undefined argument;
 * any other argument bails (JSONata raises its own type error).
 */
const STRING_FUNCTIONS: Readonly<Record<string, (text: string) => unknown>> = {
  uppercase: (text) => text.toUpperCase(),
  lowercase: (text) => text.toLowerCase(),
  trim: (text) => {
    let result = text.replace(/[ \t\n\r]+/gm, ' ');
    if (result.startsWith(' ')) result = result.substring(1);
    if (result.endsWith(' ')) result = result.substring(0, result.length - 1);
    return result;
  },
  length: (text) => Array.from(text).length,
};

/** `$uppercase(x)` and the other one-argument string functions above. */
function call(node: Record<string, unknown>, depth: number): FastEvaluator | undefined {
  const procedure = node.procedure as Record<string, unknown> | undefined;
  const args = node.arguments as jsonata.ExprNode[] | undefined;
  if (procedure?.type !== 'variable' || !hasOnly(procedure, LEAF) || args?.length !== 1) {
    return undefined;
  }
  const name = procedure.value as string;
  const apply = Object.hasOwn(STRING_FUNCTIONS, name) ? STRING_FUNCTIONS[name] : undefined;
  const argument = apply && compileFast(args[0]!, depth);
  if (!apply || !argument) return undefined;
  return (bindings) => {
    if (Object.hasOwn(bindings, name)) throw BAIL; // a binding shadows the built-in
    const value = argument(bindings);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw BAIL;
    return apply(value);
  };
}

function hasOnly(node: Record<string, unknown>, keys: ReadonlySet<string>): boolean {
  // Own keys only: parser nodes inherit `id`, `lbp`, `nud` from their token prototypes.
  return Object.keys(node).every((key) => keys.has(key));
}

function constant(value: unknown): FastEvaluator {
  return () => value;
}

function variable(name: string): FastEvaluator {
  return (bindings) => {
    if (!Object.hasOwn(bindings, name)) throw BAIL; // a built-in function such as $string
    return bindings[name];
  };
}

function path(steps: unknown[]): FastEvaluator | undefined {
  const [first, ...rest] = steps as Array<Record<string, unknown>>;
  if (first === undefined || !hasOnly(first, LEAF) || typeof first.value !== 'string')
    return undefined;
  if (
    !rest.every(
      (step) => step.type === 'name' && hasOnly(step, LEAF) && typeof step.value === 'string',
    )
  ) {
    return undefined;
  }
  const keys = rest.map((step) => step.value as string);
  let start: FastEvaluator;
  if (first.type === 'variable' && first.value !== '') start = variable(first.value);
  else if (first.type === 'name') {
    // A leading name reads the context, which is `$input`.
    keys.unshift(first.value);
    start = (bindings) => bindings.input;
  } else return undefined;
  return (bindings) => {
    let value = start(bindings);
    for (const key of keys) {
      if (Array.isArray(value)) throw BAIL; // JSONata maps over arrays
      if (typeof value !== 'object' || value === null) return undefined;
      value = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
      if (value === undefined) return undefined;
    }
    if (Array.isArray(value)) throw BAIL;
    return value;
  };
}

function negate(operand: jsonata.ExprNode, depth: number): FastEvaluator | undefined {
  const inner = compileFast(operand, depth);
  if (inner === undefined) return undefined;
  return (bindings) => {
    const value = inner(bindings);
    if (value === undefined) return undefined;
    if (typeof value !== 'number') throw BAIL;
    return -value;
  };
}

function condition(node: Record<string, unknown>, depth: number): FastEvaluator | undefined {
  const test = compileFast(node.condition as jsonata.ExprNode, depth);
  const then = compileFast(node.then as jsonata.ExprNode, depth);
  const otherwise =
    node.else === undefined
      ? constant(undefined)
      : compileFast(node.else as jsonata.ExprNode, depth);
  if (test === undefined || then === undefined || otherwise === undefined) return undefined;
  return (bindings) => (truthy(test(bindings)) ? then(bindings) : otherwise(bindings));
}

function binary(node: Record<string, unknown>, depth: number): FastEvaluator | undefined {
  const left = compileFast(node.lhs as jsonata.ExprNode, depth);
  const right = compileFast(node.rhs as jsonata.ExprNode, depth);
  if (left === undefined || right === undefined) return undefined;
  switch (node.value) {
    case 'and':
      return (b) => truthy(left(b)) && truthy(right(b));
    case 'or':
      return (b) => truthy(left(b)) || truthy(right(b));
    case '&':
      return (b) => text(left(b)) + text(right(b));
    case '=':
      return (b) => equal(left(b), right(b), true);
    case '!=':
      return (b) => equal(left(b), right(b), false);
    case '+':
      return (b) => arithmetic(left(b), right(b), (x, y) => x + y);
    case '-':
      return (b) => arithmetic(left(b), right(b), (x, y) => x - y);
    case '*':
      return (b) => arithmetic(left(b), right(b), (x, y) => x * y);
    case '/':
      return (b) => arithmetic(left(b), right(b), (x, y) => x / y);
    case '%':
      return (b) => arithmetic(left(b), right(b), (x, y) => x % y);
    case '<':
      return (b) => compare(left(b), right(b), (x, y) => x < y);
    case '<=':
      return (b) => compare(left(b), right(b), (x, y) => x <= y);
    case '>':
      return (b) => compare(left(b), right(b), (x, y) => x > y);
    case '>=':
      return (b) => compare(left(b), right(b), (x, y) => x >= y);
    default:
      return undefined;
  }
}

/** JSONata's effective boolean value for primitives (`undefined` counts as false). */
function truthy(value: unknown): boolean {
  switch (typeof value) {
    case 'undefined':
      return false;
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'number':
      return value !== 0;
    default:
      if (value === null) return false;
      throw BAIL;
  }
}

/** JSONata's `$string()` for primitives (`undefined` gives `''`). */
function text(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return '';
    case 'string':
      return value;
    case 'boolean':
      return String(value);
    case 'number':
      if (!Number.isFinite(value)) throw BAIL;
      return JSON.stringify(Number.isInteger(value) ? value : Number(value.toPrecision(15)));
    default:
      if (value === null) return 'null';
      throw BAIL;
  }
}

function equal(left: unknown, right: unknown, same: boolean): boolean {
  if (left === undefined || right === undefined) return false;
  if ((typeof left === 'object' && left !== null) || (typeof right === 'object' && right !== null))
    throw BAIL;
  return (left === right) === same;
}

function arithmetic(
  left: unknown,
  right: unknown,
  op: (x: number, y: number) => number,
): number | undefined {
  if (
    (left !== undefined && typeof left !== 'number') ||
    (right !== undefined && typeof right !== 'number')
  ) {
    throw BAIL; // JSONata raises T2001/T2002 with its own message
  }
  if (left === undefined || right === undefined) return undefined;
  const result = op(left, right);
  if (!Number.isFinite(result)) throw BAIL;
  return result;
}

function compare(
  left: unknown,
  right: unknown,
  op: (x: never, y: never) => boolean,
): boolean | undefined {
  const lt = typeof left;
  const rt = typeof right;
  if (
    (lt !== 'undefined' && lt !== 'string' && lt !== 'number') ||
    (rt !== 'undefined' && rt !== 'string' && rt !== 'number')
  ) {
    throw BAIL;
  }
  if (left === undefined || right === undefined) return undefined;
  if (lt !== rt) throw BAIL;
  return op(left as never, right as never);
}
