import jsonata from 'jsonata';

/** A compiled JSONata expression, plus a direct accessor when it is a plain variable path. */
export interface CompiledExpression {
  readonly expression: jsonata.Expression;
  /**
   * For `$name` or `$name.a.b` (names only, no filters or functions): the variable and the
   * keys, so evaluation can skip JSONata when no value on the way is an array.
   */
  readonly path: { readonly variable: string; readonly keys: readonly string[] } | undefined;
}

/** Bounds compiled into an expression (JSONata's `timeout` and `stack` guardrails). */
export interface ExpressionLimits {
  timeoutMs: number;
  maxDepth: number;
}

/**
 * A map that holds at most `capacity` entries and drops the oldest insertion when full. Hits
 * do not reorder: with workflows re-using a stable set of expressions that is as good as LRU
 * and keeps a hit to one `Map.get`.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.capacity && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** How many compiled expressions are kept per set of limits. */
export const EXPRESSION_CACHE_SIZE = 5_000;

const caches = new Map<string, BoundedCache<CompiledExpression>>();

/**
 * Compiles `source` with the given limits, from the cache when it was compiled before.
 * Throws JSONata's parse error (a plain object with `code`, `position`, `message`).
 */
export function compileExpression(source: string, limits: ExpressionLimits): CompiledExpression {
  const limitsKey = `${limits.timeoutMs}:${limits.maxDepth}`;
  let cache = caches.get(limitsKey);
  if (cache === undefined) {
    cache = new BoundedCache(EXPRESSION_CACHE_SIZE);
    caches.set(limitsKey, cache);
  }
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  const expression = jsonata(source, { timeout: limits.timeoutMs, stack: limits.maxDepth });
  const compiled: CompiledExpression = { expression, path: variablePath(expression.ast()) };
  cache.set(source, compiled);
  return compiled;
}

/** Empties every expression cache (tests, or after loading many one-off expressions). */
export function clearExpressionCache(): void {
  caches.clear();
}

const PLAIN_STEP_KEYS = new Set(['type', 'value', 'position']);

function isPlainStep(node: jsonata.ExprNode, type: 'variable' | 'name'): boolean {
  if (node.type !== (type as string) || typeof node.value !== 'string') return false;
  return Object.keys(node).every((key) => PLAIN_STEP_KEYS.has(key));
}

function variablePath(ast: jsonata.ExprNode): CompiledExpression['path'] {
  if (isPlainStep(ast, 'variable') && ast.value !== '') {
    return { variable: ast.value as string, keys: [] };
  }
  if ((ast.type as string) !== 'path' || Object.keys(ast).some((k) => k !== 'type' && k !== 'steps')) {
    return undefined;
  }
  const [first, ...rest] = ast.steps ?? [];
  if (first === undefined || !isPlainStep(first, 'variable') || first.value === '') return undefined;
  if (!rest.every((step) => isPlainStep(step, 'name'))) return undefined;
  return { variable: first.value as string, keys: rest.map((step) => step.value as string) };
}
