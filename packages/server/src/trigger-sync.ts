import type { ErrorDetail, Workflow } from '@flowstate/core';

/** The workflow version whose triggers fire, with its definition. */
export interface LiveVersion {
  version: number;
  definition: Workflow;
}

/**
 * A kind of trigger kept in step with the workflows (schedules, event triggers). The
 * `WorkflowService` calls `check` on every save and `sync` right after every change of a
 * workflow (create, save, activate, deactivate, delete) and for every workflow at start.
 */
export interface TriggerSync {
  /** Problems of a definition that node schemas cannot see, reported like validation problems. */
  check?(definition: Workflow): ErrorDetail[];
  /**
   * Brings this trigger kind in step with one workflow. `live` is the version its triggers
   * run, or undefined when the workflow is inactive or deleted: then nothing may fire.
   */
  sync(workflowId: string, live: LiveVersion | undefined): Promise<void>;
}
