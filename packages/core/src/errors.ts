import { z } from 'zod';

/**
 * Base class of every error Flowstate raises on purpose. `code` is stable and maps to an
 * HTTP status in one table at the server's edge.
 */
export class FlowstateError extends Error {
  override name = 'FlowstateError';
  readonly code: string;
  readonly details: readonly ErrorDetail[];
  constructor(
    code: string,
    message: string,
    options?: { cause?: unknown; details?: ErrorDetail[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details ?? [];
  }
}

/** One located problem: a JSON pointer and a plain sentence. */
export interface ErrorDetail {
  path: string;
  message: string;
  code?: string;
}

/** Thrown by node code when retrying cannot help (bad input, 4xx other than 429). */
export class NonRetriableError extends FlowstateError {
  override name = 'NonRetriableError';
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'NON_RETRIABLE', message, options);
  }
}

/** Thrown by node code to ask for a retry no sooner than `retryAfterMs` from now. */
export class RetryAfterError extends FlowstateError {
  override name = 'RetryAfterError';
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'RETRY_AFTER', message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** An error as stored in the journal: data, not a class instance. */
export const StepErrorSchema = z.object({
  name: z.string(),
  code: z.string(),
  message: z.string(),
  retriable: z.boolean(),
  retryAfterMs: z.number().optional(),
  details: z
    .array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() }))
    .optional(),
  stack: z.string().optional(),
});
export type StepError = z.infer<typeof StepErrorSchema>;

/** Turns anything thrown into the journal's error shape. */
export function serializeError(error: unknown): StepError {
  if (error instanceof FlowstateError) {
    return {
      name: error.name,
      code: error.code,
      message: error.message,
      retriable: !(error instanceof NonRetriableError),
      ...(error instanceof RetryAfterError ? { retryAfterMs: error.retryAfterMs } : {}),
      ...(error.details.length > 0 ? { details: [...error.details] } : {}),
    };
  }
  if (error instanceof Error) {
    return { name: error.name, code: 'NODE_ERROR', message: error.message, retriable: true };
  }
  return { name: 'Error', code: 'NODE_ERROR', message: String(error), retriable: true };
}

/** Turns a journaled error back into a throwable, keeping its code. */
export function deserializeError(error: StepError): FlowstateError {
  const restored =
    error.retryAfterMs !== undefined
      ? new RetryAfterError(error.message, error.retryAfterMs, { code: error.code })
      : error.retriable
        ? new FlowstateError(error.code, error.message, { details: error.details ?? [] })
        : new NonRetriableError(error.message, { code: error.code });
  restored.name = error.name;
  return restored;
}

/** Exhaustiveness check for switches over unions. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
