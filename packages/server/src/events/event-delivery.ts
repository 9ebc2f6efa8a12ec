import { randomUUID } from 'node:crypto';
import { contentHash, evaluateTemplate, isTemplate, type JsonValue } from '@flowstate/core';
import type { Engine, EngineLogger } from '@flowstate/engine';
import { isTruthy } from '@flowstate/nodes';
import type { EventTrigger, EventTriggerIndex } from './event-triggers.js';

/** An event as posted to `POST /api/v1/events`. */
export interface IncomingEvent {
  name: string;
  correlationKey?: string;
  payload: JsonValue;
}

type Started = { executionId: string; workflowId: string; triggerNodeId: string };

/** What one delivery did: the executions it started and the waits it resumed. */
export interface DeliveryResult {
  started: Started[];
  resumed: Array<{ executionId: string; stepKey: string }>;
}

/**
 * Delivers an event: starts every active workflow whose `trigger.event` matches (name, key,
 * condition) and resumes the `wait.event` steps waiting for its name and correlation key.
 * With a `dedupeSeed` (from an Idempotency-Key), each start carries a dedupe key derived from
 * it, so a delivery repeated after a crash never starts a workflow twice.
 */
export class EventDelivery {
  constructor(
    private readonly options: {
      engine: Engine;
      triggers: EventTriggerIndex;
      logger: EngineLogger;
    },
  ) {}

  async deliver(event: IncomingEvent, dedupeSeed?: string): Promise<DeliveryResult> {
    const { engine } = this.options;
    const receivedAt = new Date(engine.clock.now()).toISOString();
    const input = {
      name: event.name,
      correlationKey: event.correlationKey ?? null,
      payload: event.payload,
      receivedAt,
    };
    const matching: EventTrigger[] = [];
    for (const trigger of this.options.triggers.find(event.name)) {
      if (await this.matches(trigger, event, input)) matching.push(trigger);
    }
    const starts = await Promise.allSettled(
      matching.map(async (trigger) => {
        const handle = await engine.startExecution({
          workflowId: trigger.workflowId,
          version: trigger.version,
          triggerNodeId: trigger.triggerNodeId,
          input,
          ...(dedupeSeed === undefined
            ? {}
            : {
                dedupeKey: `event:${contentHash([dedupeSeed, trigger.workflowId, trigger.triggerNodeId])}`,
              }),
        });
        const started: Started = {
          executionId: handle.executionId,
          workflowId: trigger.workflowId,
          triggerNodeId: trigger.triggerNodeId,
        };
        return started;
      }),
    );
    // Every start is settled (and, with a dedupe seed, safe to repeat) before a failure is
    // reported: the caller retries the delivery as a whole.
    const failed = starts.find((start) => start.status === 'rejected');
    if (failed) throw failed.reason;
    const started = starts.map((start) => (start as PromiseFulfilledResult<Started>).value);
    const resumed =
      event.correlationKey === undefined
        ? []
        : (
            await engine.deliverEvent({
              name: event.name,
              correlationKey: event.correlationKey,
              payload: event.payload,
            })
          ).waits.map((wait) => ({ executionId: wait.executionId, stepKey: wait.key }));
    return { started, resumed };
  }

  private async matches(
    trigger: EventTrigger,
    event: IncomingEvent,
    input: JsonValue,
  ): Promise<boolean> {
    if (trigger.correlationKey !== undefined && trigger.correlationKey !== event.correlationKey)
      return false;
    if (trigger.condition === undefined) return true;
    if (!isTemplate(trigger.condition)) return isTruthy(trigger.condition as JsonValue);
    try {
      const value = await evaluateTemplate(trigger.condition, {
        trigger: input,
        input,
        steps: {},
        vars: {},
        execution: { id: `event-${randomUUID()}`, workflowId: trigger.workflowId },
        now: new Date(this.options.engine.clock.now()).toISOString(),
      });
      return isTruthy(value);
    } catch (error) {
      this.options.logger.warn(
        { err: error, workflowId: trigger.workflowId, triggerNodeId: trigger.triggerNodeId },
        'event trigger condition failed; the workflow is not started',
      );
      return false;
    }
  }
}
