import {
  FlowstateError,
  NonRetriableError,
  serializeError,
  type CallWorkflowOptions,
  type JsonValue,
} from '@flowstate/core';
import type { StartExecutionOptions } from './api.js';
import type { Engine } from './engine.js';
import { ExecutionRun } from './execution-run.js';
import {
  cancelledByFailure,
  exhaustStep,
  finishIfDone,
  parkStep,
  reconcile,
  resumeStep,
  succeedStep,
  waitState,
  type WaitState,
} from './progress.js';
import type { ExecutionRecord, StepRef } from './store.js';
import type { CachedVersion } from './workflow-cache.js';
import { isFinal } from './outcomes.js';

/**
 * Operations on whole executions: creating runs (also sub-workflows), cancel, pause,
 * resume, retry, event delivery, and what happens after an execution ends.
 */
export class Operations {
  constructor(private readonly engine: Engine) {}

  /** Builds a run whose trigger step has succeeded with `input`, successors created. */
  async createRun(
    options: StartExecutionOptions & {
      rerunOf?: string;
      parent?: { run: ExecutionRun; stepKey: string };
      /** The new execution's id (default: a fresh one). */
      executionId?: string;
    },
  ): Promise<ExecutionRun> {
    const engine = this.engine;
    const version =
      options.version === undefined
        ? await engine.workflows.latest(options.workflowId, {
            ...(options.draft === undefined ? {} : { draft: options.draft }),
          })
        : await engine.workflows.version(options.workflowId, options.version);
    const trigger = pickTrigger(version, options.triggerNodeId);
    const decide = engine.decide();
    const parent = options.parent?.run.execution;
    const execution: ExecutionRecord = {
      id: options.executionId ?? engine.ids.executionId(),
      workflowId: version.workflowId,
      workflowVersion: version.version,
      status: 'running',
      seq: 0,
      triggerNodeId: trigger,
      triggerType: version.graph.node(trigger)?.type ?? 'unknown',
      input: options.input,
      depth: parent ? parent.depth + 1 : 0,
      ...(parent ? { parentExecutionId: parent.id, parentStepKey: options.parent!.stepKey } : {}),
      ...(options.rerunOf ? { rerunOf: options.rerunOf } : {}),
      ...(options.simulate || parent?.simulate ? { simulate: true as const } : {}),
      createdAt: decide.now,
      updatedAt: decide.now,
    };
    const run = new ExecutionRun({ execution, graph: version.graph, expectSeq: 'new' });
    if (options.dedupeKey !== undefined || options.scheduleTick !== undefined) {
      run.start = {
        ...(options.dedupeKey === undefined ? {} : { dedupeKey: options.dedupeKey }),
        ...(options.scheduleTick === undefined ? {} : { scheduleTick: options.scheduleTick }),
      };
    }
    run.putStep({
      executionId: execution.id,
      key: trigger,
      nodeId: trigger,
      status: 'running',
      attempt: 1,
      startedAt: decide.now,
    });
    succeedStep(run, trigger, { port: 'out', value: options.input }, decide);
    finishIfDone(run, decide);
    run.touch();
    return run;
  }

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
      child = await this.createRun({
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

  /** After an execution ended: resume its parent's step, start the error workflow. */
  async afterFinish(run: ExecutionRun): Promise<void> {
    try {
      if (run.execution.parentExecutionId) await this.completeParent(run.execution);
      if (run.execution.status === 'failed') await this.cancelOrphans(run);
      const errorWorkflowId = run.graph.workflow.settings?.errorWorkflowId;
      if (
        run.execution.status === 'failed' &&
        errorWorkflowId &&
        errorWorkflowId !== run.execution.workflowId
      ) {
        await this.engine.startExecution({
          workflowId: errorWorkflowId,
          input: {
            execution: {
              id: run.id,
              workflowId: run.execution.workflowId,
              error: run.execution.error ?? null,
            },
          } as JsonValue,
        });
      }
    } catch (error) {
      this.engine.logger.error(
        { err: error, executionId: run.id },
        'follow-up of a finished execution failed',
      );
    }
  }

  /**
   * Cancels the children still running of the calls a failure cancelled, unless a call
   * asked for its child to continue (`onParentFailure: 'continue'`). A retry then calls
   * again, as for a child that failed.
   */
  private async cancelOrphans(run: ExecutionRun): Promise<void> {
    for (const step of run.steps.values()) {
      if (!cancelledByFailure(step)) continue;
      const state = waitState(step);
      if (state?.kind !== 'call' || state.keepOnFailure) continue;
      const child = await this.engine.store.getExecution(state.childExecutionId);
      if (child === undefined || isFinal(child)) continue;
      await this.cancel(child.id).catch((error: unknown) => {
        // It may have ended meanwhile; anything else is worth a line in the log.
        if (!(error instanceof FlowstateError && error.code === 'INVALID_STATE'))
          this.engine.logger.warn(
            { err: error, executionId: run.id, childExecutionId: child.id },
            'cancelling the child of a failed execution failed',
          );
      });
    }
  }

  /**
   * Cancels a child whose caller's cancel or failure did not get to cancel it (the process
   * stopped in between; found by the sweeper). It may have ended meanwhile.
   */
  async cancelAbandoned(child: ExecutionRecord): Promise<void> {
    try {
      await this.cancel(child.id);
      this.engine.logger.info(
        { executionId: child.id, parentExecutionId: child.parentExecutionId },
        'cancelled a sub-workflow whose caller was cancelled or failed',
      );
    } catch (error) {
      if (error instanceof FlowstateError && error.code === 'INVALID_STATE') return;
      this.engine.logger.warn(
        { err: error, executionId: child.id, parentExecutionId: child.parentExecutionId },
        'cancelling a sub-workflow whose caller was cancelled or failed failed; will try again',
      );
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

  async cancel(id: string): Promise<ExecutionRecord> {
    const engine = this.engine;
    const run = await this.requireRun(id);
    if (isFinal(run.execution)) throw invalidState(run.execution, 'cancel');
    const now = engine.clock.now();
    for (const step of run.steps.values()) {
      if (step.status === 'ready' || step.status === 'waiting') {
        run.putStep({ ...step, status: 'cancelled', finishedAt: now, leaseOwner: undefined });
        if (waitState(step)?.kind === 'suspend')
          run.removeWaits.push({ executionId: id, key: step.key });
      }
    }
    run.abortRunning(new Error('execution cancelled'));
    run.setExecution({ ...run.execution, status: 'cancelled', finishedAt: now, updatedAt: now });
    await this.commit(run);
    for (const child of await engine.store.listChildExecutions(id)) {
      if (!isFinal(child)) await this.cancel(child.id).catch(() => undefined);
    }
    return run.execution;
  }

  async pause(id: string): Promise<ExecutionRecord> {
    const run = await this.requireRun(id);
    if (run.execution.status !== 'running') throw invalidState(run.execution, 'pause');
    const now = this.engine.clock.now();
    for (const step of run.steps.values()) {
      if (step.status === 'ready')
        run.putStep({ ...step, leaseOwner: undefined, leaseExpiresAt: undefined });
    }
    run.setExecution({ ...run.execution, status: 'paused', updatedAt: now });
    await this.commit(run);
    return run.execution;
  }

  async resume(id: string): Promise<ExecutionRecord> {
    const run = await this.requireRun(id);
    if (run.execution.status !== 'paused') throw invalidState(run.execution, 'resume');
    run.setExecution({ ...run.execution, status: 'running', updatedAt: this.engine.clock.now() });
    await this.commit(run);
    this.engine.workers.kick();
    return run.execution;
  }

  /** Brings failed steps (and the steps their failure cancelled) back, keeping every output. */
  async retry(id: string): Promise<ExecutionRecord> {
    const engine = this.engine;
    const run = await this.requireRun(id);
    if (run.execution.status !== 'failed') throw invalidState(run.execution, 'retry');
    const decide = engine.decide();
    const owned = {
      leaseOwner: decide.workerId,
      leaseExpiresAt: decide.workerId === undefined ? undefined : decide.now + decide.leaseMs,
      runAt: decide.now,
    };
    const succeededChildren: ExecutionRecord[] = [];
    for (const step of run.steps.values()) {
      if (step.status === 'failed') {
        run.putStep({
          ...step,
          status: 'ready',
          attempt: 0,
          error: undefined,
          finishedAt: undefined,
          // A failed flow.call starts a new child on retry, not the one that failed.
          ...(waitState(step)?.kind === 'call' ? { state: undefined } : {}),
          ...owned,
        });
      } else if (cancelledByFailure(step)) {
        const state = waitState(step);
        // A call cancelled while its child ran: the child went on (a failure does not cancel
        // children). One that has succeeded meanwhile completes the step below; one that
        // ended otherwise (cancelled, failed) or never started is called again, as a failed
        // call is.
        const child =
          state?.kind === 'call'
            ? await engine.store.getExecution(state.childExecutionId)
            : undefined;
        const callAgain =
          state?.kind === 'call' &&
          (child === undefined || (isFinal(child) && child.status !== 'succeeded'));
        if (child?.status === 'succeeded') succeededChildren.push(child);
        const waiting = step.state !== undefined && !callAgain;
        run.putStep({
          ...step,
          status: waiting ? 'waiting' : 'ready',
          error: undefined,
          ...(callAgain ? { state: undefined } : {}),
          ...(waiting ? {} : owned),
        });
      }
    }
    const { error: _dropped, finishedAt: _finished, ...rest } = run.execution;
    run.setExecution({ ...rest, status: 'running', updatedAt: decide.now });
    reconcile(run, decide);
    await this.commit(run);
    engine.executor.scheduleReady(run);
    for (const child of succeededChildren) await this.completeParent(child);
    return run.execution;
  }

  /** Resumes every step waiting for this event and correlation key. */
  async deliverEvent(event: {
    name: string;
    correlationKey: string;
    payload: JsonValue;
  }): Promise<{ resumed: string[]; waits: StepRef[] }> {
    const engine = this.engine;
    const resumed: string[] = [];
    const waitsResumed: StepRef[] = [];
    const waits = await engine.store.findWaits({
      eventName: event.name,
      correlationKey: event.correlationKey,
    });
    for (const wait of waits) {
      const run = await engine.runOf(wait.executionId);
      const step = run?.steps.get(wait.stepKey);
      const state = step && waitState(step);
      if (!run || step?.status !== 'waiting' || state?.kind !== 'suspend' || !state.options.event)
        continue;
      if (run.execution.status !== 'running') continue;
      const ready = resumeStep(
        run,
        step.key,
        { port: state.options.event.port, value: event.payload },
        engine.decide(),
      );
      if ((await engine.flush(run)).status !== 'ok') continue;
      resumed.push(run.id);
      waitsResumed.push({ executionId: run.id, key: step.key });
      for (const key of ready) engine.executor.schedule(run, key);
      await engine.settle(run);
    }
    return { resumed, waits: waitsResumed };
  }

  /**
   * Ends one waiting step whose wait is for `eventName` by sending `value` out of `port`
   * (approval decisions). `not-waiting` when the step is not, or no longer, waiting for that
   * event; `INVALID_STATE` when its execution is paused; `CONFLICT` when it changed meanwhile.
   */
  async resolveWait(input: {
    executionId: string;
    stepKey: string;
    eventName: string;
    port: string;
    value: JsonValue;
  }): Promise<'resolved' | 'not-waiting'> {
    const engine = this.engine;
    const run = await this.requireRun(input.executionId);
    const step = run.steps.get(input.stepKey);
    const state = step && waitState(step);
    if (
      step?.status !== 'waiting' ||
      state?.kind !== 'suspend' ||
      state.options.event?.name !== input.eventName
    )
      return 'not-waiting';
    if (run.execution.status !== 'running') throw invalidState(run.execution, 'resume a wait of');
    const ready = resumeStep(
      run,
      step.key,
      { port: input.port, value: input.value },
      engine.decide(),
    );
    await this.commit(run);
    for (const key of ready) engine.executor.schedule(run, key);
    await engine.settle(run);
    return 'resolved';
  }

  private async requireRun(id: string): Promise<ExecutionRun> {
    const run = await this.engine.runOf(id);
    if (!run) throw new FlowstateError('EXECUTION_NOT_FOUND', `No execution with id "${id}"`);
    return run;
  }

  private async commit(run: ExecutionRun): Promise<void> {
    const outcome = await this.engine.flush(run);
    if (outcome.status !== 'ok') {
      throw new FlowstateError('CONFLICT', `Execution ${run.id} changed meanwhile; try again`);
    }
  }
}

function pickTrigger(version: CachedVersion, requested: string | undefined): string {
  const triggers = version.graph.triggers();
  if (requested) {
    if (!triggers.some((node) => node.id === requested)) {
      throw new FlowstateError(
        'INVALID_TRIGGER',
        `Node "${requested}" is not a trigger of workflow "${version.workflowId}"`,
      );
    }
    return requested;
  }
  const chosen = triggers.find((node) => node.type === 'trigger.manual') ?? triggers[0];
  if (!chosen)
    throw new FlowstateError(
      'INVALID_TRIGGER',
      `Workflow "${version.workflowId}" has no trigger node`,
    );
  return chosen.id;
}

function invalidState(execution: ExecutionRecord, action: string): FlowstateError {
  return new FlowstateError(
    'INVALID_STATE',
    `Cannot ${action} execution ${execution.id}: it is ${execution.status}`,
  );
}
