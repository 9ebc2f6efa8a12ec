import {
  FlowstateError,
  NonRetriableError,
  serializeError,
  type CallWorkflowOptions,
  type JsonValue,
} from '@flowstate/core';
import type { Engine } from './engine.js';
import type { ExecutionRun } from './execution-run.js';
import { isFinal } from './outcomes.js';
import {
  cancelledByFailure,
  exhaustStep,
  parkStep,
  succeedStep,
  waitState,
  type WaitState,
} from './progress.js';
import type { ExecutionRecord } from './store.js';

/**
 * Parent and child executions (`flow.call`): starting the child, completing the calling step
 * when the child ends, and cancelling children whose caller was cancelled or failed (right
 * after the caller's end, or later by the sweeper when the process stopped in between).
 */
export class SubWorkflows {
  constructor(private readonly engine: Engine) {}

  /** `flow.call`: starts the child execution; the calling step waits for it. */
  async call(
    run: ExecutionRun,
    key: string,
    call: CallWorkflowOptions,
  ): Promise<string[] | undefined> {
    const engine = this.engine;
    const step = run.steps.get(key)!;
    const fail = (error: FlowstateError) =>
      exhaustStep(run, key, serializeError(error), engine.decide());
    if (run.execution.depth + 1 > engine.maxDepth) {
      return fail(
        new NonRetriableError(`Sub-workflow depth limit of ${engine.maxDepth} reached`, {
          code: 'DEPTH_LIMIT',
        }),
      );
    }
    // The child's id is journaled in the step before the child exists, so that an attempt
    // taken over after its worker stalled or crashed starts the same child, never a second
    // one: it waits for the child if it exists, or creates it under that id.
    const prior = waitState(step);
    const intended = prior?.kind === 'call' ? prior.childExecutionId : undefined;
    const childId = intended ?? engine.ids.executionId();
    const state: WaitState = {
      kind: 'call',
      childExecutionId: childId,
      ...(call.onParentFailure === 'continue' ? { keepOnFailure: true as const } : {}),
    };
    if (intended === undefined) {
      run.putStep({ ...step, state: state as unknown as JsonValue });
      if ((await engine.flush(run)).status !== 'ok') return undefined; // no longer ours
    } else if ((await engine.store.getExecution(childId)) !== undefined) {
      // Started by an earlier attempt: wait for it (the sweeper completes this step if the
      // child has already ended).
      parkStep(run, key, state);
      return undefined;
    }
    let child: ExecutionRun;
    try {
      child = await engine.operations.createRun({
        workflowId: call.workflowId,
        ...(call.version === undefined ? {} : { version: call.version }),
        input: call.input,
        parent: { run, stepKey: key },
        executionId: childId,
      });
    } catch (error) {
      if (error instanceof FlowstateError)
        return fail(new NonRetriableError(error.message, { code: error.code }));
      throw error;
    }
    parkStep(run, key, state);
    engine.runs.set(child.id, child);
    void engine.launch(child).catch((error: unknown) => {
      engine.logger.error({ err: error, executionId: child.id }, 'starting a sub-workflow failed');
    });
    return undefined;
  }

  /**
   * Cancels the children still running of the calls a failure cancelled, unless a call
   * asked for its child to continue (`onParentFailure: 'continue'`). A retry then calls
   * again, as for a child that failed.
   */
  async cancelOrphans(run: ExecutionRun): Promise<void> {
    for (const step of run.steps.values()) {
      if (!cancelledByFailure(step)) continue;
      const state = waitState(step);
      if (state?.kind !== 'call' || state.keepOnFailure) continue;
      const child = await this.engine.store.getExecution(state.childExecutionId);
      if (child !== undefined && !isFinal(child)) await this.cancelChild(child);
    }
  }

  /**
   * Cancels a child whose caller's cancel or failure did not get to cancel it (the process
   * stopped in between; found by the sweeper). It may have ended meanwhile.
   */
  async cancelAbandoned(child: ExecutionRecord): Promise<void> {
    if (await this.cancelChild(child))
      this.engine.logger.info(
        { executionId: child.id, parentExecutionId: child.parentExecutionId },
        'cancelled a sub-workflow whose caller was cancelled or failed',
      );
  }

  /**
   * Cancels `child`; false when it had ended meanwhile, another process changed it at the
   * same time (both sweepers saw it), or the cancel failed (logged; the sweeper tries again).
   */
  private async cancelChild(child: ExecutionRecord): Promise<boolean> {
    try {
      await this.engine.operations.cancel(child.id);
      return true;
    } catch (error) {
      const expected =
        error instanceof FlowstateError &&
        (error.code === 'INVALID_STATE' || error.code === 'CONFLICT');
      if (!expected)
        this.engine.logger.warn(
          { err: error, executionId: child.id, parentExecutionId: child.parentExecutionId },
          'could not cancel a sub-workflow whose caller was cancelled or failed',
        );
      return false;
    }
  }

  /** Completes the `flow.call` step waiting for `child` (also used by the sweeper). */
  async completeParent(child: ExecutionRecord): Promise<void> {
    const engine = this.engine;
    if (!child.parentExecutionId || !child.parentStepKey) return;
    const parent = await engine.runOf(child.parentExecutionId);
    const step = parent?.steps.get(child.parentStepKey);
    const state = step && waitState(step);
    if (
      !parent ||
      step?.status !== 'waiting' ||
      state?.kind !== 'call' ||
      state.childExecutionId !== child.id
    )
      return;
    const decide = engine.decide();
    const ready =
      child.status === 'succeeded'
        ? succeedStep(parent, step.key, { port: 'out', value: child.output ?? null }, decide)
        : exhaustStep(
            parent,
            step.key,
            serializeError(
              new NonRetriableError(
                `Sub-workflow execution ${child.id} ${child.status}: ${child.error?.message ?? ''}`.trim(),
                {
                  code: 'CHILD_FAILED',
                },
              ),
            ),
            decide,
          );
    if ((await engine.flush(parent)).status !== 'ok') return;
    for (const key of ready) engine.executor.schedule(parent, key);
    await engine.settle(parent);
  }
}
