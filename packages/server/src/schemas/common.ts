import { z } from 'zod';

/** The body of every error response. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable code, e.g. WORKFLOW_NOT_FOUND' }),
      message: z.string(),
      details: z.array(
        z.object({
          path: z.string().meta({ description: 'JSON pointer to what is wrong' }),
          message: z.string(),
          code: z.string().optional(),
        }),
      ),
      executionId: z.string().optional(),
      diff: z.unknown().optional().meta({ description: 'VERSION_CONFLICT: base to current draft' }),
      currentVersion: z.number().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** Error responses a route documents: `{ 404: ErrorResponse, ... }`. */
export function errors<const S extends readonly number[]>(
  ...statuses: S
): { [K in S[number]]: typeof ErrorResponse } {
  return Object.fromEntries(statuses.map((status) => [status, ErrorResponse])) as {
    [K in S[number]]: typeof ErrorResponse;
  };
}

/** Any JSON value (payloads, node params). */
export const Json = z.unknown().meta({ description: 'Any JSON value' });

/** Page size of list endpoints. */
export const Limit = z.coerce.number().int().min(1).max(500).default(50);

/** An epoch-ms timestamp or an ISO-8601 date in a query string. */
export const Timestamp = z
  .string()
  .min(1)
  .transform((text, ctx) => {
    const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (Number.isFinite(value)) return value;
    ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO-8601 date' });
    return z.NEVER;
  })
  .meta({ description: 'Epoch milliseconds or an ISO-8601 date', example: '2025-01-31T00:00:00Z' });

/** `?wait=` on run endpoints. */
export const WaitQuery = z.coerce
  .number()
  .int()
  .min(0)
  .max(300_000)
  .optional()
  .meta({ description: 'Wait up to this many ms for the execution to finish' });

/** Answer of endpoints that started an execution and did not wait for it. */
export const StartedResponse = z.object({ executionId: z.string(), status: z.literal('running') });
