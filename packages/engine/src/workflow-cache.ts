import { FlowstateError, WorkflowGraph, type Workflow } from '@flowstate/core';
import type { Store } from './store.js';

/** An immutable workflow version with its graph index. */
export interface CachedVersion {
  workflowId: string;
  version: number;
  definition: Workflow;
  graph: WorkflowGraph;
}

/**
 * Workflow versions are immutable, so their parsed graphs are cached by (id, version)
 * for the life of the process, with a bound on the number kept.
 */
export class WorkflowCache {
  private readonly versions = new Map<string, CachedVersion>();

  constructor(
    private readonly store: Store,
    private readonly limit = 1000,
  ) {}

  async version(workflowId: string, version: number): Promise<CachedVersion> {
    const key = `${workflowId}@${version}`;
    const cached = this.versions.get(key);
    if (cached) return cached;
    const record = await this.store.getWorkflowVersion(workflowId, version);
    if (!record) {
      throw new FlowstateError(
        'WORKFLOW_NOT_FOUND',
        `Workflow "${workflowId}" has no version ${version}`,
      );
    }
    const entry = {
      workflowId,
      version,
      definition: record.definition,
      graph: new WorkflowGraph(record.definition),
    };
    if (this.versions.size >= this.limit) this.versions.delete(this.versions.keys().next().value!);
    this.versions.set(key, entry);
    return entry;
  }

  /**
   * The workflow's published version (what triggers run), or its draft when `draft` is set.
   * Throws `WORKFLOW_NOT_PUBLISHED` when nothing was published yet.
   */
  async latest(workflowId: string, options: { draft?: boolean } = {}): Promise<CachedVersion> {
    const workflow = await this.store.getWorkflow(workflowId);
    if (!workflow)
      throw new FlowstateError('WORKFLOW_NOT_FOUND', `No workflow with id "${workflowId}"`);
    const version = options.draft === true ? workflow.draftVersion : workflow.publishedVersion;
    if (version === undefined) {
      throw new FlowstateError(
        'WORKFLOW_NOT_PUBLISHED',
        `Workflow "${workflowId}" has no published version; publish one (POST /api/v1/workflows/${workflowId}/publish) or run the draft as a test`,
      );
    }
    return this.version(workflowId, version);
  }
}
