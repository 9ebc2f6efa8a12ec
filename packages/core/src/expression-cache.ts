import jsonata from 'jsonata';
import { compileFast, type FastEvaluator } from './fast-expression.js';
import { BoundedRegExp } from './bounded-regex.js';

/** A compiled JSONata expression, plus a synchronous evaluator when it is in the fast subset. */
export interface CompiledExpression {
  readonly expression: jsonata.Expression;
  /** See {@link compileFast}: paths, arithmetic, comparisons, `&`, `and`/`or`, `? :`. */
  readonly fast: FastEvaluator | undefined;
}

/** Bounds compiled into an expression (JSONata's `timeout` and `stack` guardrails). */
export interface ExpressionLimits {
  timeoutMs: number;
  maxDepth: number;
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

/** The limits for `options`, with defaults filled in (one shared object when all default). */
export function resolveLimits(options: EvaluateOptions): ExpressionLimits {
  if (options.timeoutMs === undefined && options.maxDepth === undefined) return DEFAULT_LIMITS;
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS,
    maxDepth: options.maxDepth ?? DEFAULT_EXPRESSION_MAX_DEPTH,
  };
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
let lastLimits: ExpressionLimits | undefined;
let lastCache: BoundedCache<CompiledExpression> | undefined;

/**
 * Compiles `source` with the given limits, from the cache when it was compiled before.
 * Throws JSONata's parse error (a plain object with `code`, `position`, `message`).
 */
export function compileExpression(source: string, limits: ExpressionLimits): CompiledExpression {
  let cache = limits === lastLimits ? lastCache : undefined;
  if (cache === undefined) {
    const limitsKey = `${limits.timeoutMs}:${limits.maxDepth}`;
    cache = caches.get(limitsKey);
    if (cache === undefined) {
      cache = new BoundedCache(EXPRESSION_CACHE_SIZE);
      caches.set(limitsKey, cache);
    }
    lastLimits = limits;
    lastCache = cache;
  }
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  const expression = jsonata(source, {
    timeout: limits.timeoutMs,
    stack: limits.maxDepth,
    RegexEngine: BoundedRegExp as unknown as RegExpConstructor,
  });
  const compiled: CompiledExpression = { expression, fast: compileFast(expression.ast()) };
  cache.set(source, compiled);
  return compiled;
}

/** Empties every expression cache (tests, or after loading many one-off expressions). */
export function clearExpressionCache(): void {
  caches.clear();
  lastLimits = undefined;
  lastCache = undefined;
}
