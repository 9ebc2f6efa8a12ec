/** A limit of `limit` requests per `windowMs`, refilled continuously (token bucket). */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** Outcome of {@link RateLimiter.take}. */
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before idle ones are dropped. */
const MAX_BUCKETS = 10_000;

/**
 * In-memory token buckets by key: each key may burst `limit` requests, then gets one more
 * every `windowMs / limit`. A check is one Map lookup and a little arithmetic. Per process:
 * with several API processes behind a balancer each enforces its own share.
 *
 * @example
 * const logins = new RateLimiter({ limit: 10, windowMs: 60_000 });
 * const decision = logins.take(`${ip}|${email}`);
 * if (!decision.ok) reply.header('retry-after', Math.ceil(decision.retryAfterMs / 1000));
 */
export class RateLimiter {
  readonly #limit: number;
  readonly #msPerToken: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: RateLimit, now: () => number = Date.now) {
    this.#limit = limit.limit;
    this.#msPerToken = limit.windowMs / limit.limit;
    this.#now = now;
  }

  /** Takes one token for `key`, or says how long until one is available. */
  take(key: string): RateDecision {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#evict(now);
      bucket = { tokens: this.#limit, at: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.#limit, bucket.tokens + (now - bucket.at) / this.#msPerToken);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) * this.#msPerToken) };
  }

  /** Drops buckets that have refilled (they hold no state worth keeping), else the oldest half. */
  #evict(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) / this.#msPerToken >= this.#limit)
        this.#buckets.delete(key);
    }
    if (this.#buckets.size < MAX_BUCKETS) return;
    let drop = this.#buckets.size / 2;
    for (const key of this.#buckets.keys()) {
      if (drop-- <= 0) break;
      this.#buckets.delete(key);
    }
  }
}

/** Limiters by limit, for callers whose keys have different limits (webhook paths). */
export class RateLimits {
  readonly #byLimit = new Map<string, RateLimiter>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Takes one token for `key` under `limit`. */
  take(limit: RateLimit, key: string): RateDecision {
    const id = `${limit.limit}/${limit.windowMs}`;
    let limiter = this.#byLimit.get(id);
    if (limiter === undefined) {
      limiter = new RateLimiter(limit, this.#now);
      this.#byLimit.set(id, limiter);
    }
    return limiter.take(key);
  }
}

/**
 * Parses `"<count>/<unit>"` (unit `s`, `min` or `h`; e.g. `600/min`). `off` or `0` means no
 * limit (undefined). Throws a plain Error naming the problem.
 */
export function parseRateLimit(text: string): RateLimit | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'off' || value === '0') return undefined;
  const match = /^(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/.exec(value);
  if (!match) throw new Error(`must look like "100/s", "600/min" or "off", got "${text}"`);
  const limit = Number(match[1]);
  if (limit < 1) throw new Error(`the count must be at least 1, got "${text}"`);
  const unit = match[2]!;
  const windowMs = unit.startsWith('s') ? 1000 : unit.startsWith('h') ? 3_600_000 : 60_000;
  return { limit, windowMs };
}
