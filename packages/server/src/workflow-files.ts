import type { FastifyBaseLogger } from 'fastify';
import { FlowstateError, isJsonObject } from '@flowstate/core';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { AuditLog } from './audit/audit-log.js';
import { ConfigError } from './config.js';
import { parseJsonBody } from './json-body.js';
import { WorkflowIdSchema } from './routes/workflows.js';
import type { WorkflowService } from './workflow-service.js';

/** What happened to one file of the workflows folder. */
export interface WorkflowFileResult {
  file: string;
  id?: string;
  status: 'created' | 'updated' | 'unchanged' | 'skipped';
  /** Why the file was skipped, one line per problem. */
  problems?: string[];
}

/**
 * The stable id of a workflow file: its `id` field if it has one, else the file name without
 * its extension.
 */
export function workflowFileId(file: string, document: unknown): string {
  if (isJsonObject(document) && typeof document['id'] === 'string') return document['id'];
  return basename(file, extname(file));
}

/**
 * Validates every `*.json` in `dir`, creates or updates the workflow it holds and activates it.
 * A file that cannot be read, parsed or validated (or whose webhook collides with another
 * workflow) is logged with its problems and skipped; the others still load.
 */
export async function syncWorkflowFiles(input: {
  dir: string;
  workflows: WorkflowService;
  logger: FastifyBaseLogger;
  /** Records each created or updated workflow (actor: the server's workflow files). */
  audit?: AuditLog;
}): Promise<WorkflowFileResult[]> {
  const { dir, workflows, logger, audit } = input;
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory())
    throw new ConfigError('FLOWSTATE_WORKFLOWS_DIR', `"${dir}" is not a folder`);
  const files = (await readdir(dir)).filter((name) => name.toLowerCase().endsWith('.json')).sort();
  const results: WorkflowFileResult[] = [];
  for (const name of files) {
    const file = join(dir, name);
    const result = await syncFile(file, workflows);
    results.push(result);
    if (result.status === 'skipped') {
      logger.error(
        { file, id: result.id, problems: result.problems },
        `workflow file skipped: ${result.problems?.join('; ')}`,
      );
    } else {
      logger.info({ file, id: result.id, status: result.status }, 'workflow file loaded');
      if (audit && result.id !== undefined && result.status !== 'unchanged') {
        await audit.record(
          { type: 'system', id: 'workflow-files', label: file },
          {
            action: `workflow.${result.status === 'created' ? 'create' : 'update'}`,
            target: { type: 'workflow', id: result.id },
            summary: { after: { file, active: true } },
          },
        );
      }
    }
  }
  return results;
}

async function syncFile(file: string, workflows: WorkflowService): Promise<WorkflowFileResult> {
  let document: unknown;
  try {
    document = parseJsonBody(await readFile(file, 'utf8'));
  } catch (error) {
    return { file, status: 'skipped', problems: [describe(error)] };
  }
  const id = workflowFileId(file, document);
  const idCheck = WorkflowIdSchema.safeParse(id);
  if (!idCheck.success) {
    return {
      file,
      id,
      status: 'skipped',
      problems: [`id "${id}": ${idCheck.error.issues[0]?.message ?? 'invalid'}`],
    };
  }
  try {
    const { change } = await workflows.upsertAndActivate(id, document);
    return { file, id, status: change };
  } catch (error) {
    const problems =
      error instanceof FlowstateError && error.code === 'VALIDATION_FAILED'
        ? error.details.map((d) => `${d.path || '/'}: ${d.message}`)
        : [describe(error)];
    return { file, id, status: 'skipped', problems };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
