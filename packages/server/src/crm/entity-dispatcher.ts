import { randomUUID } from 'node:crypto';
import { FlowstateError } from '@flowstate/core';
import type { Engine, EngineLogger } from '@flowstate/engine';
import {
  entityTriggerMatches,
  entityTriggerOutput,
  type CrmStore,
  type EntityEvent,
} from '@flowstate/crm';
import type { EntityTriggerIndex } from './entity-triggers.js';

/** Start failures that mean the workflow or its version is gone, not that the store failed. */
const GONE = new Set([
  'WORKFLOW_NOT_FOUND',
  'WORKFLOW_VERSION_NOT_FOUND',
  'WORKFLOW_NOT_PUBLISHED',
  'INVALID_TRIGGER',
]);

/** Options of {@link EntityDispatcher}. */
export interface EntityDispatcherOptions {
  engine: Engine;
  store: CrmStore;
  triggers: EntityTriggerIndex;
  logger: EngineLogger;
  /** How often to look for undispatched events when not kicked (default 1 s). */
  pollMs?: number;
  /** How long a claimed batch is ours before another dispatcher may take it (default 60 s). */
  leaseMs?: number;
  /** Events per claim (default 100). */
  batch?: number;
  /**
   * Brings the trigger index up to date with workflows other processes changed; called before
   * each batch of events is dispatched.
   */
  refreshTriggers?: () => Promise<void>;
}

/** The dedupe key of the execution an event starts in a workflow: one per (event, trigger). */
export function entityDedupeKey(
  eventId: string,
  workflowId: string,
  triggerNodeId: string,
): string {
  return `entity:${eventId}:${workflowId}:${triggerNodeId}`;
}

/**
 * Reads the entity-event outbox and starts the active workflows whose `trigger.entity`
 * matches each event. Each start carries the dedupe key (event, workflow, trigger), so an
 * event dispatched twice — a dispatcher that crashed after starting but before marking the
 * event done, or two processes on PostgreSQL — starts at most one execution per workflow.
 * Every started execution is linked to the record (`contacts/:id/runs`).
 */
export class EntityDispatcher {
  readonly owner = `dispatcher-${randomUUID()}`;
  readonly #options: EntityDispatcherOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(options: EntityDispatcherOptions) {
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Dispatches soon (an event was just committed in this process). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.drain()
      .then(() => undefined)
      .catch((error: unknown) =>
        this.#options.logger.error({ err: error }, 'entity event dispatch failed'),
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.kick();
          return;
        }
        this.#timer = setTimeout(() => this.kick(), this.#options.pollMs ?? 1000);
        this.#timer.unref();
      });
  }

  /** Dispatches every undispatched event it can claim; returns how many. */
  async drain(): Promise<number> {
    const { store, engine } = this.#options;
    let total = 0;
    for (;;) {
      const events = await store.claimEvents({
        owner: this.owner,
        now: engine.clock.now(),
        leaseMs: this.#options.leaseMs ?? 60_000,
        limit: this.#options.batch ?? 100,
      });
      if (events.length === 0) return total;
      await this.#options.refreshTriggers?.();
      for (const event of events) await this.dispatch(event);
      await store.completeEvents(events.map((e) => e.id));
      total += events.length;
    }
  }

  /** Starts the matching workflows of one event (safe to repeat: dedupe keys). */
  async dispatch(
    event: EntityEvent,
  ): Promise<Array<{ executionId: string; workflowId: string; duplicate: boolean }>> {
    const { engine, store, triggers, logger } = this.#options;
    const started: Array<{ executionId: string; workflowId: string; duplicate: boolean }> = [];
    for (const trigger of triggers.find(event.recordType)) {
      let matches: boolean;
      try {
        matches = await entityTriggerMatches(trigger.params, event, {
          workflowId: trigger.workflowId,
          now: engine.clock.now(),
        });
      } catch (error) {
        logger.warn(
          { err: error, workflowId: trigger.workflowId, eventId: event.id },
          'trigger.entity "where" failed; the workflow is not started',
        );
        continue;
      }
      if (!matches) continue;
      let handle;
      try {
        handle = await engine.startExecution({
          workflowId: trigger.workflowId,
          version: trigger.version,
          triggerNodeId: trigger.triggerNodeId,
          input: entityTriggerOutput(event),
          dedupeKey: entityDedupeKey(event.id, trigger.workflowId, trigger.triggerNodeId),
        });
      } catch (error) {
        // A workflow deleted or changed since the index saw it: retrying cannot help. Anything
        // else (the database) fails the batch, which is claimed again when its lease ends.
        if (!(error instanceof FlowstateError) || !GONE.has(error.code)) throw error;
        logger.warn(
          { err: error, workflowId: trigger.workflowId, eventId: event.id },
          'entity event not delivered to a workflow that is gone',
        );
        continue;
      }
      await store.linkExecution({
        recordType: event.recordType,
        recordId: event.recordId,
        executionId: handle.executionId,
        workflowId: trigger.workflowId,
        source: 'trigger',
        createdAt: engine.clock.now(),
      });
      started.push({
        executionId: handle.executionId,
        workflowId: trigger.workflowId,
        duplicate: handle.duplicate === true,
      });
    }
    return started;
  }
}
