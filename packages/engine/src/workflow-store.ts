import type { Workflow } from '@flowstate/core';

/**
 * Storage of workflows and their immutable versions (part of the `Store` port).
 *
 * Every save appends a version; a workflow points at two of them: the **draft** (the latest
 * saved, what the editor loads and test runs use) and the **published** one (what triggers,
 * manual runs and `flow.call` use). Rollback is publishing an older version: the pointer moves,
 * no version is copied or rewritten.
 */
export interface WorkflowStore {
  /** Creates a workflow with version 1 of its definition; `publish` also publishes it. */
  createWorkflow(input: CreateWorkflowInput): Promise<WorkflowRecord>;
  /**
   * Appends an immutable version and makes it the draft. With `expectVersion`, refuses (returns
   * `{ conflict }`, saving nothing) when the draft is not that version. `publish` also
   * publishes the new version, in the same transaction.
   */
  saveWorkflowVersion(
    input: SaveWorkflowVersionInput,
  ): Promise<WorkflowVersionRecord | { conflict: WorkflowRecord }>;
  /**
   * Makes `version` the published version. Undefined when the workflow does not exist; throws
   * `WORKFLOW_VERSION_NOT_FOUND` when the version does not.
   */
  publishWorkflowVersion(input: {
    workflowId: string;
    version: number;
    now: number;
  }): Promise<WorkflowRecord | undefined>;
  setWorkflowActive(input: {
    workflowId: string;
    active: boolean;
    now: number;
  }): Promise<WorkflowRecord | undefined>;
  getWorkflow(id: string): Promise<WorkflowRecord | undefined>;
  listWorkflows(): Promise<WorkflowRecord[]>;
  getWorkflowVersion(
    workflowId: string,
    version: number,
  ): Promise<WorkflowVersionRecord | undefined>;
  /** Versions newest first, without definitions; `before` pages on the version number. */
  listWorkflowVersions(
    workflowId: string,
    query: { limit: number; before?: number },
  ): Promise<WorkflowVersionSummary[]>;
  /**
   * Applies several creates and saves atomically: all of them or, if any throws (an id that
   * exists for a create, a missing workflow for a save), none. Used by bundle imports.
   */
  writeWorkflows(writes: readonly WorkflowWrite[]): Promise<WorkflowRecord[]>;
  /** Deletes a workflow and its versions; refused while executions of it are live. */
  deleteWorkflow(id: string): Promise<boolean>;
}

/** Who saved a version and why: stored with it, never changed. */
export interface VersionAuthorship {
  /** The user id of the caller; `'system'` for saves nobody made (files, migrations). */
  author?: string;
  /** A short note, like a commit message. */
  message?: string;
}

export interface CreateWorkflowInput extends VersionAuthorship {
  id: string;
  definition: Workflow;
  active: boolean;
  /** Publish version 1 at once (default false: a new workflow is a draft). */
  publish?: boolean;
  now: number;
}

export interface SaveWorkflowVersionInput extends VersionAuthorship {
  workflowId: string;
  definition: Workflow;
  /** The draft version the caller's edit was based on (optimistic concurrency). */
  expectVersion?: number;
  publish?: boolean;
  now: number;
}

/** One entry of `writeWorkflows`. */
export type WorkflowWrite =
  | ({ kind: 'create' } & CreateWorkflowInput)
  | ({ kind: 'save' } & Omit<SaveWorkflowVersionInput, 'expectVersion'>);

/** The author stored when a save names none. */
export const SYSTEM_AUTHOR = 'system';

export interface WorkflowRecord {
  id: string;
  name: string;
  active: boolean;
  /** The latest saved version: what the editor loads and test runs use. */
  draftVersion: number;
  /** The version triggers, manual runs and sub-workflow calls use; absent until published. */
  publishedVersion?: number;
  publishedAt?: number;
  createdAt: number;
  updatedAt: number;
}

export interface WorkflowVersionRecord {
  workflowId: string;
  version: number;
  definition: Workflow;
  /** sha256 of the canonical JSON of `definition`. */
  hash: string;
  author: string;
  message?: string;
  createdAt: number;
}

/** A version without its definition (lists). */
export type WorkflowVersionSummary = Omit<WorkflowVersionRecord, 'definition'>;
