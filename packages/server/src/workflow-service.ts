import {
  isJsonObject,
  validate,
  type ErrorDetail,
  type NodeRegistry,
  type Workflow,
} from '@flowstate/core';
import type { Store, WorkflowRecord } from '@flowstate/engine';
import { randomUUID } from 'node:crypto';
import { httpError } from './errors.js';
import type { LiveVersion, TriggerSync } from './trigger-sync.js';
import { webhookRoutesOf, type WebhookRoute, type WebhookRouter } from './webhook-router.js';

/** A workflow record with its current definition: what the API returns for one workflow. */
export interface WorkflowView extends WorkflowRecord {
  definition: Workflow;
}

/** Dependencies of `WorkflowService`. */
export interface WorkflowServiceOptions {
  store: Store;
  registry: NodeRegistry;
  router: WebhookRouter;
  now?: () => number;
  /** Trigger kinds kept in step with every workflow change (schedules, event triggers). */
  triggers?: readonly TriggerSync[];
}

/**
 * Creates, versions, activates and deletes workflows, keeping the in-memory webhook router in
 * step with the store. Mutations run one at a time so two activations cannot both pass the
 * webhook conflict check.
 */
export class WorkflowService {
  private readonly store: Store;
  private readonly registry: NodeRegistry;
  private readonly router: WebhookRouter;
  private readonly now: () => number;
  private readonly triggers: readonly TriggerSync[];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: WorkflowServiceOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.router = options.router;
    this.now = options.now ?? Date.now;
    this.triggers = options.triggers ?? [];
  }

  /**
   * Syncs every trigger kind with every stored workflow (at start): heals whatever a crash
   * between a workflow change and its sync left behind.
   */
  syncAllTriggers(): Promise<void> {
    return this.exclusive(async () => {
      for (const record of await this.store.listWorkflows()) await this.syncTriggers(record.id);
    });
  }

  /** Syncs every trigger kind with one workflow's stored state (after the running change). */
  resyncTriggers(workflowId: string): Promise<void> {
    return this.exclusive(() => this.syncTriggers(workflowId));
  }

  /** Syncs every trigger kind with one workflow's stored state. */
  private async syncTriggers(workflowId: string): Promise<void> {
    if (this.triggers.length === 0) return;
    const record = await this.store.getWorkflow(workflowId);
    const live = record?.active === true ? await this.liveVersion(record) : undefined;
    for (const trigger of this.triggers) await trigger.sync(workflowId, live);
  }

  /**
   * The version whose triggers fire (the current one). The SQLite schedule fence checks the
   * same (`schedule-repository.ts`): change both together.
   */
  private async liveVersion(record: WorkflowRecord): Promise<LiveVersion | undefined> {
    const version = await this.store.getWorkflowVersion(record.id, record.currentVersion);
    return version && { version: version.version, definition: version.definition };
  }

  /** Fills the router from every active workflow's current version. */
  async loadRouter(): Promise<void> {
    for (const record of await this.store.listWorkflows()) {
      if (!record.active) continue;
      const version = await this.store.getWorkflowVersion(record.id, record.currentVersion);
      if (!version) continue;
      const routes = this.routesOf(record.id, record.currentVersion, version.definition);
      const conflict = this.router.findConflict(record.id, routes);
      // Stored state predates a conflicting activation (e.g. edited database): first one wins.
      this.router.set(record.id, conflict ? routes.filter((r) => r !== conflict.route) : routes);
    }
  }

  /**
   * Validates a workflow document with every problem reported at once. The document's
   * optional `id` field is not part of the definition and is ignored here.
   */
  validateDefinition(document: unknown): Workflow {
    const result = validate(withoutId(document), this.registry);
    const details: ErrorDetail[] = result.problems.map((p) => ({
      path: p.path,
      message: p.message,
      code: p.code,
    }));
    if (result.ok && result.workflow) {
      for (const trigger of this.triggers)
        details.push(...(trigger.check?.(result.workflow) ?? []));
      if (details.length === 0) return result.workflow;
    }
    const summary = details
      .slice(0, 5)
      .map((d) => `${d.path || '/'}: ${d.message}`)
      .join('; ');
    const more = details.length > 5 ? ` (and ${details.length - 5} more)` : '';
    throw httpError(
      'VALIDATION_FAILED',
      `Workflow definition is invalid: ${summary}${more}`,
      details,
    );
  }

  /** All workflows (records only). */
  list(): Promise<WorkflowRecord[]> {
    return this.store.listWorkflows();
  }

  /** One workflow with its current definition; 404 when unknown. */
  async get(id: string): Promise<WorkflowView> {
    const record = await this.requireRecord(id);
    return this.view(record);
  }

  /** Validates and creates a workflow (version 1), optionally active. */
  create(input: { id?: string; document: unknown; active: boolean }): Promise<WorkflowView> {
    return this.exclusive(async () => {
      const definition = this.validateDefinition(input.document);
      const id = input.id ?? randomUUID();
      if (await this.store.getWorkflow(id))
        throw httpError('WORKFLOW_EXISTS', `Workflow "${id}" already exists.`);
      const routes = input.active ? this.routesOf(id, 1, definition) : [];
      this.assertNoConflict(id, routes);
      const record = await this.store.createWorkflow({
        id,
        definition,
        active: input.active,
        now: this.now(),
      });
      if (input.active) this.router.set(id, routes);
      await this.syncTriggers(id);
      return { ...record, definition };
    });
  }

  /** Validates and saves a new version; `expectVersion` turns a concurrent edit into a 409. */
  update(input: { id: string; document: unknown; expectVersion?: number }): Promise<WorkflowView> {
    return this.exclusive(async () => {
      const definition = this.validateDefinition(input.document);
      const record = await this.requireRecord(input.id);
      const nextVersion = record.currentVersion + 1;
      const routes = record.active ? this.routesOf(record.id, nextVersion, definition) : [];
      this.assertNoConflict(record.id, routes);
      const saved = await this.store.saveWorkflowVersion({
        workflowId: record.id,
        definition,
        ...(input.expectVersion === undefined ? {} : { expectVersion: input.expectVersion }),
        now: this.now(),
      });
      if ('conflict' in saved) {
        throw httpError(
          'VERSION_CONFLICT',
          `Workflow "${record.id}" is at version ${saved.conflict.currentVersion}, not ${input.expectVersion}; reload it and apply your change again.`,
        );
      }
      if (record.active)
        this.router.set(
          record.id,
          routes.map((r) => ({ ...r, version: saved.version })),
        );
      await this.syncTriggers(record.id);
      return this.view(await this.requireRecord(record.id), saved.definition);
    });
  }

  /** Activates or deactivates; activation is refused (409) when another workflow owns a webhook. */
  setActive(id: string, active: boolean): Promise<WorkflowView> {
    return this.exclusive(async () => {
      const record = await this.requireRecord(id);
      const { definition } = await this.view(record);
      const routes = active ? this.routesOf(id, record.currentVersion, definition) : [];
      this.assertNoConflict(id, routes);
      const updated = await this.store.setWorkflowActive({
        workflowId: id,
        active,
        now: this.now(),
      });
      if (!updated) throw notFound(id);
      if (active) this.router.set(id, routes);
      else this.router.remove(id);
      await this.syncTriggers(id);
      return { ...updated, definition };
    });
  }

  /** Deletes a workflow and its versions; 404 when unknown. */
  delete(id: string): Promise<void> {
    return this.exclusive(async () => {
      await this.requireRecord(id);
      const deleted = await this.store.deleteWorkflow(id);
      if (!deleted) throw notFound(id);
      this.router.remove(id);
      await this.syncTriggers(id);
    });
  }

  /**
   * Creates or updates a workflow from a file and activates it. A definition equal to the
   * current version saves nothing, so restarts do not pile up versions.
   */
  async upsertAndActivate(
    id: string,
    document: unknown,
  ): Promise<{ view: WorkflowView; change: 'created' | 'updated' | 'unchanged' }> {
    const definition = this.validateDefinition(document);
    const existing = await this.store.getWorkflow(id);
    if (!existing)
      return { view: await this.create({ id, document, active: true }), change: 'created' };
    const current = await this.view(existing);
    const same = stableJson(current.definition) === stableJson(definition);
    if (!same) await this.update({ id, document });
    return { view: await this.setActive(id, true), change: same ? 'unchanged' : 'updated' };
  }

  private routesOf(workflowId: string, version: number, definition: Workflow): WebhookRoute[] {
    return webhookRoutesOf({ workflowId, version, definition, registry: this.registry });
  }

  private assertNoConflict(workflowId: string, routes: readonly WebhookRoute[]): void {
    const conflict = this.router.findConflict(workflowId, routes);
    if (!conflict) return;
    const { route, other } = conflict;
    throw httpError(
      'WEBHOOK_CONFLICT',
      `Webhook ${route.method} /hooks/${route.path} is already served by active workflow "${other.workflowName}" (${other.workflowId}); deactivate it or change the path.`,
      [
        {
          path: `/nodes/${route.triggerNodeId}/params/path`,
          message: `taken by workflow ${other.workflowId}`,
        },
      ],
    );
  }

  private async requireRecord(id: string): Promise<WorkflowRecord> {
    const record = await this.store.getWorkflow(id);
    if (!record) throw notFound(id);
    return record;
  }

  private async view(record: WorkflowRecord, definition?: Workflow): Promise<WorkflowView> {
    if (definition) return { ...record, definition };
    const version = await this.store.getWorkflowVersion(record.id, record.currentVersion);
    if (!version) throw notFound(record.id);
    return { ...record, definition: version.definition };
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function notFound(id: string) {
  return httpError('WORKFLOW_NOT_FOUND', `Workflow "${id}" does not exist.`);
}

/** The document without its `id` field (ids are not part of the definition schema). */
export function withoutId(document: unknown): unknown {
  if (!isJsonObject(document) || !('id' in document)) return document;
  const { id: _id, ...rest } = document;
  return rest;
}

/** JSON with object keys sorted, so equal documents compare equal whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isJsonObject(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
