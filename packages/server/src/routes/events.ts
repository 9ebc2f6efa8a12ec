import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contentHash, type JsonValue } from '@flowstate/core';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { errors, Json } from '../schemas/common.js';

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** A delivery still pending after this long is taken to have died; a retry takes it over. */
export const IDEMPOTENCY_STALE_MS = 60_000;
const SCOPE = 'events';

const EventBody = z.object({
  name: z
    .string()
    .min(1)
    .max(200)
    .refine((name) => !name.startsWith('flowstate.'), {
      message: 'event names starting with "flowstate." are reserved',
    }),
  correlationKey: z
    .union([z.string().max(1000), z.number()])
    .transform(String)
    .optional(),
  payload: Json.optional(),
});
const IdempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters without spaces');

const DeliveryResponse = z.object({
  started: z.array(
    z.object({ executionId: z.string(), workflowId: z.string(), triggerNodeId: z.string() }),
  ),
  resumed: z.array(z.object({ executionId: z.string(), stepKey: z.string() })),
});

/**
 * `POST /api/v1/events`: starts the workflows whose `trigger.event` matches and resumes the
 * `wait.event` steps waiting for the event's name and correlation key. With an
 * `Idempotency-Key` header, a repeat within 24 h returns the first delivery's result
 * (header `Idempotent-Replayed: true`) and starts or resumes nothing.
 */
export function registerEventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { store, engine, events } = ctx;

  app.withTypeProvider<ZodTypeProvider>().post(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary:
          'Deliver an event: start trigger.event workflows and resume the wait.event steps waiting for it',
        body: EventBody,
        headers: z.looseObject({
          'idempotency-key': IdempotencyKey.optional().meta({
            description: 'A repeated delivery with the same key starts and resumes nothing new',
          }),
        }),
        response: { 200: DeliveryResponse, ...errors(400, 409, 422) },
      },
      config: { access: 'editor' },
    },
    async (request, reply) => {
      const body = request.body;
      const event = {
        name: body.name,
        ...(body.correlationKey === undefined ? {} : { correlationKey: body.correlationKey }),
        payload: (body.payload ?? null) as JsonValue,
      };
      const header = request.headers['idempotency-key'];
      if (header === undefined) return events.deliver(event);
      const key = header;
      const requestHash = contentHash(event);
      const now = engine.clock.now();
      const { claimed, record } = await store.claimIdempotencyKey({
        scope: SCOPE,
        key,
        requestHash,
        now,
        ttlMs: IDEMPOTENCY_TTL_MS,
        staleBefore: now - IDEMPOTENCY_STALE_MS,
      });
      if (!claimed) {
        if (record.requestHash !== requestHash) {
          throw httpError(
            'IDEMPOTENCY_KEY_REUSED',
            `Idempotency-Key "${key}" was used with a different event; use a new key for a new event.`,
            [{ path: '/headers/idempotency-key', message: 'already used with another body' }],
          );
        }
        if (record.state === 'pending') {
          throw httpError(
            'IDEMPOTENCY_KEY_IN_USE',
            `A delivery with Idempotency-Key "${key}" is still in progress; retry in a few seconds.`,
          );
        }
        return reply
          .header('idempotent-replayed', 'true')
          .send(record.response as unknown as z.infer<typeof DeliveryResponse>);
      }
      let result;
      try {
        // Dedupe keys seeded by the claim: a retry after a failure never starts a workflow twice.
        result = await events.deliver(event, `${key}@${record.createdAt}`);
      } catch (error) {
        await store.releaseIdempotencyKey({ scope: SCOPE, key }).catch(() => undefined);
        throw error;
      }
      await store.completeIdempotencyKey({
        scope: SCOPE,
        key,
        response: result as unknown as JsonValue,
        now: engine.clock.now(),
      });
      await store.pruneIdempotencyKeys({ now: engine.clock.now(), limit: 100 });
      return result;
    },
  );
}
