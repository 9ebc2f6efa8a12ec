import type { ErrorDetail, NodeRegistry, Workflow } from '@flowstate/core';
import type { Clock, Store } from '@flowstate/engine';
import type { LiveVersion, TriggerSync } from '../trigger-sync.js';
import { scheduleProblems, scheduleSpecsOf } from './schedule-specs.js';

/**
 * Keeps the `schedules` rows in step with the workflows: the live version's schedule
 * triggers, or none when the workflow is inactive or deleted. Runs right after each
 * workflow change; `onChange` re-arms the scheduler's timer.
 */
export class ScheduleSync implements TriggerSync {
  constructor(
    private readonly options: {
      store: Store;
      registry: NodeRegistry;
      clock: Clock;
      onChange?: () => void;
    },
  ) {}

  check(definition: Workflow): ErrorDetail[] {
    return scheduleProblems(definition);
  }

  async sync(workflowId: string, live: LiveVersion | undefined): Promise<void> {
    const { store, registry, clock } = this.options;
    const now = clock.now();
    const schedules = live ? scheduleSpecsOf(live.definition, registry, now) : [];
    if (!live && (await store.listSchedules({ workflowId })).length === 0) return;
    await store.syncSchedules({ workflowId, version: live?.version ?? 0, schedules, now });
    this.options.onChange?.();
  }
}
