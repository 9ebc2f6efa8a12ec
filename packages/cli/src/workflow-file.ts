import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FlowstateError, validate, type Workflow } from '@flowstate/core';
import type { NodeRegistry } from '@flowstate/core';
import { parseJsonBody, withoutId, workflowFileId } from '@flowstate/server';
import { CliError } from './io.js';

/** A workflow file read from disk and checked. */
export interface LoadedWorkflowFile {
  path: string;
  /** Its `id` field, else the file name without extension. */
  id: string;
  /** Present when the definition is valid. */
  workflow?: Workflow;
  problems: Array<{ path: string; message: string }>;
}

/**
 * Reads, parses and validates a workflow file. Unreadable files and invalid JSON throw
 * `CliError`; validation problems are returned, all of them.
 */
export async function loadWorkflowFile(
  file: string,
  cwd: string,
  registry: NodeRegistry,
): Promise<LoadedWorkflowFile> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let document: unknown;
  try {
    document = parseJsonBody(text);
  } catch (error) {
    throw new CliError(
      `${file}: ${error instanceof FlowstateError ? error.message : String(error)}`,
    );
  }
  if (document === undefined) throw new CliError(`${file}: the file is empty`);
  const result = validate(withoutId(document), registry);
  const problems = result.problems.map((p) => ({ path: p.path, message: p.message }));
  return {
    path,
    id: workflowFileId(path, document),
    problems,
    ...(result.ok && result.workflow ? { workflow: result.workflow } : {}),
  };
}

/** `path: message`, with `/` for the document root. */
export function formatProblem(problem: { path: string; message: string }): string {
  return `${problem.path === '' ? '/' : problem.path}: ${problem.message}`;
}
