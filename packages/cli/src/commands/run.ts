import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonValue, NodeRegistry, Workflow } from '@flowstate/core';
import { Engine } from '@flowstate/engine';
import { waitForFinish } from '@flowstate/server';
import { SqliteStore } from '@flowstate/store-sqlite';
import { CliError, type CliIo } from '../io.js';
import { registryWithPlugins } from '../plugins.js';
import { formatTimeline, timelineRows } from '../timeline.js';
import { formatProblem, loadWorkflowFile } from '../workflow-file.js';

/** Options of `flowstate run`. */
export interface RunCommandOptions {
  /** JSON text of the trigger's input (default `{}`). */
  input?: string;
  /** Trigger node to start at (default: the engine's choice). */
  trigger?: string;
  /** Give up waiting after this many ms (default 5 minutes). */
  timeoutMs?: number;
  /** Side-effecting nodes record what they would do instead of doing it. */
  simulate?: boolean;
}

/**
 * `flowstate run FILE`: runs a workflow to completion in a throw-away SQLite store, prints
 * the output JSON on stdout and the step timeline on stderr; exit 1 if the execution failed.
 * Plugin nodes load as in the server (see {@link registryWithPlugins}).
 */
export async function runCommand(
  positionals: readonly string[],
  options: RunCommandOptions,
  io: CliIo,
): Promise<number> {
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0)
    throw new CliError('Usage: flowstate run FILE [--input JSON]', 2);
  const input = parseInput(options.input);
  const dir = await mkdtemp(join(tmpdir(), 'flowstate-run-'));
  try {
    const store = await SqliteStore.open(dir, { synchronous: 'NORMAL' });
    try {
      // crm.* nodes work on the throw-away store's CRM tables.
      const registry = await registryWithPlugins(io, store);
      const loaded = await loadWorkflowFile(file, io.cwd, registry);
      if (!loaded.workflow) {
        for (const problem of loaded.problems) io.stderr.write(`${formatProblem(problem)}\n`);
        throw new CliError(
          `${file} is not a valid workflow (${loaded.problems.length} problems); nothing was run.`,
        );
      }
      return await runLoaded(loaded.id, loaded.workflow, store, registry, input, options, io);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runLoaded(
  workflowId: string,
  workflow: Workflow,
  store: SqliteStore,
  registry: NodeRegistry,
  input: JsonValue,
  options: RunCommandOptions,
  io: CliIo,
): Promise<number> {
  const engine = new Engine({ store, registry });
  try {
    await store.createWorkflow({
      id: workflowId,
      definition: workflow,
      active: false,
      publish: true,
      now: Date.now(),
    });
    await engine.start();
    const handle = await engine.startExecution({
      workflowId,
      input,
      ...(options.trigger === undefined ? {} : { triggerNodeId: options.trigger }),
      ...(options.simulate ? { simulate: true } : {}),
    });
    await waitForFinish(engine, handle.executionId, options.timeoutMs ?? 300_000);
    const detail = await engine.getExecutionDetail(handle.executionId);
    if (!detail) throw new CliError(`Execution ${handle.executionId} vanished from the store.`);
    const { execution, steps } = detail;
    io.stderr.write(formatTimeline(timelineRows(execution, steps, workflow)));
    switch (execution.status) {
      case 'succeeded':
        io.stdout.write(`${JSON.stringify(execution.output ?? null, null, 2)}\n`);
        return 0;
      case 'failed': {
        const error = execution.error;
        const failedStep = steps.find((step) => step.status === 'failed');
        io.stderr.write(
          `Execution failed${failedStep ? ` at step ${failedStep.key}` : ''}: ${error ? `${error.code}: ${error.message}` : 'unknown error'}\n`,
        );
        return 1;
      }
      default:
        io.stderr.write(
          `Execution did not finish: status ${execution.status} after ${options.timeoutMs ?? 300_000} ms.\n`,
        );
        return 1;
    }
  } finally {
    await engine.stop().catch(() => undefined);
  }
}

function parseInput(text: string | undefined): JsonValue {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new CliError(`--input is not valid JSON: ${(error as Error).message}`, 2);
  }
}
