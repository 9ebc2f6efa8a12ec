import { checkInput, FlowstateError, type JsonValue } from '@flowstate/core';
import type { StartExecutionOptions } from './api.js';
import type { Engine } from './engine.js';
import { ExecutionRun } from './execution-run.js';
import {
  cancelledByFailure,
  failExecution,
  finishIfDone,
  reconcile,
  resumeStep,
  succeedStep,
  waitState,
} from './progress.js';
import type { ExecutionRecord, StepRef } from './store.js';
import type { CachedVersion } from './workflow-cache.js';
import { isFinal } from './outcomes.js';

/**
 * Operations on whole executions: creating runs (also sub-workflows), cancel, pause,
 * resume, retry, event delivery, and what happens after an execution ends. The calls
 * between parent and child executions are in sub-workflows.ts.
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
    // A manual run's and a sub-workflow call's input must match the workflow's inputSchema.
    const { inputSchema, name } = version.graph.workflow;
    if (
      inputSchema !== undefined &&
      (options.parent !== undefined || version.graph.node(trigger)?.type === 'trigger.manual')
    )
      checkInput(inputSchema, options.input, name);
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
      ...deadline(version.graph.workflow.settings?.timeoutMs, decide.now),
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

  /** After an execution ended: resume its parent's step, start the error workflow. */
  async afterFinish(run: ExecutionRun): Promise<void> {
    try {
      const subWorkflows = this.engine.subWorkflows;
      if (run.execution.parentExecutionId) await subWorkflows.completeParent(run.execution);
      if (run.execution.status === 'failed') await subWorkflows.cancelOrphans(run);
      const errorWorkflowId = run.graph.workflow.settings?.errorWorkflowId;
      if (
        run.execution.status === 'failed' &&
        errorWorkflowId &&
        errorWorkflowId !== run.execution.workflowId
      ) {
        await this.engine.startExecution({
          workflowId: errorWorkflowId,
          // The error workflow of a simulation (a test run) must not alert anyone either.
          ...(run.execution.simulate ? { simulate: true } : {}),
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

  /**
   * Fails an execution past its `deadlineAt` with `EXECUTION_TIMEOUT`, as a failing step
   * would: running attempts aborted, ready and waiting steps cancelled (a retry restores
   * them), its children cancelled and its error workflow started (see `afterFinish`).
   * Does nothing to one that ended or whose deadline moved (a retry) meanwhile.
   */
  async timeOut(id: string): Promise<void> {
    const run = await this.engine.runOf(id);
    if (!run || isFinal(run.execution)) return;
    const decide = this.engine.decide();
    const { deadlineAt, createdAt } = run.execution;
    if (deadlineAt === undefined || deadlineAt > decide.now) return;
    const timeoutMs = run.graph.workflow.settings?.timeoutMs ?? deadlineAt - createdAt;
    failExecution(
      run,
      {
        name: 'ExecutionTimeout',
        code: 'EXECUTION_TIMEOUT',
        message: `The execution did not end within its timeout of ${timeoutMs} ms (settings.timeoutMs)`,
        retriable: false,
      },
      decide,
    );
    await this.commit(run);
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
    const { error: _dropped, finishedAt: _finished, deadlineAt: _past, ...rest } = run.execution;
    run.setExecution({
      ...rest,
      status: 'running',
      // A retry has the workflow's whole timeout again.
      ...deadline(run.graph.workflow.settings?.timeoutMs, decide.now),
      updatedAt: decide.now,
    });
    reconcile(run, decide);
    await this.commit(run);
    engine.executor.scheduleReady(run);
    for (const child of succeededChildren) await engine.subWorkflows.completeParent(child);
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

/** `deadlineAt` of an execution of a workflow with `settings.timeoutMs`, from `now`. */
function deadline(timeoutMs: number | undefined, now: number): { deadlineAt?: number } {
  return timeoutMs === undefined ? {} : { deadlineAt: now + timeoutMs };
}

function invalidState(execution: ExecutionRecord, action: string): FlowstateError {
  return new FlowstateError(
    'INVALID_STATE',
    `Cannot ${action} execution ${execution.id}: it is ${execution.status}`,
  );
}
