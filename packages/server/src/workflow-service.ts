import {
  describeDiff,
  diffWorkflows,
  validate,
  type ErrorDetail,
  type NodeRegistry,
  type Workflow,
} from '@flowstate/core';
import type { Store, VersionAuthorship, WorkflowRecord } from '@flowstate/engine';
import { randomUUID } from 'node:crypto';
import { FlowstateHttpError, httpError } from './errors.js';
import type { LiveVersion, TriggerSync } from './trigger-sync.js';
import {
  authorship,
  invalidDefinition,
  notFound,
  stableJson,
  withoutId,
} from './workflow-helpers.js';
import { webhookRoutesOf, type WebhookRoute, type WebhookRouter } from './webhook-router.js';

/** A workflow record with its draft definition: what the API returns for one workflow. */
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

/** Options of a save: who, why, and whether to publish it at once. */
export interface SaveOptions extends VersionAuthorship {
  publish?: boolean;
}

/**
 * Creates, versions, publishes, activates and deletes workflows, keeping the in-memory webhook
 * router in step with the PUBLISHED versions of active workflows. Mutations run one at a time so
 * two activations cannot both pass the webhook conflict check.
 */
export class WorkflowService {
  readonly store: Store;
  readonly registry: NodeRegistry;
  private readonly router: WebhookRouter;
  readonly now: () => number;
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
   * The version whose triggers fire: the published one. The SQLite schedule fence checks the
   * same (`schedule-repository.ts`): change both together.
   */
  private async liveVersion(record: WorkflowRecord): Promise<LiveVersion | undefined> {
    if (record.publishedVersion === undefined) return undefined;
    const version = await this.store.getWorkflowVersion(record.id, record.publishedVersion);
    return version && { version: version.version, definition: version.definition };
  }

  /** Fills the router from every active workflow's published version. */
  async loadRouter(): Promise<void> {
    for (const record of await this.store.listWorkflows()) {
      if (!record.active || record.publishedVersion === undefined) continue;
      const version = await this.store.getWorkflowVersion(record.id, record.publishedVersion);
      if (!version) continue;
      const routes = this.routesOf(record.id, version.version, version.definition);
      const conflict = this.router.findConflict(record.id, routes);
      // Stored state predates a conflicting activation (e.g. edited database): first one wins.
      this.router.set(record.id, conflict ? routes.filter((r) => r !== conflict.route) : routes);
    }
  }

  /**
   * Validates a workflow document with every problem reported at once. The document's
   * optional `id` field is not part of the definition and is ignored here. `at` prefixes the
   * pointers (imports: `/workflows/2/definition`).
   */
  validateDefinition(document: unknown, at = ''): Workflow {
    const result = this.check(document, at);
    if ('workflow' in result) return result.workflow;
    throw invalidDefinition(result.problems);
  }

  /** Like `validateDefinition`, returning the problems instead of throwing. */
  check(document: unknown, at = ''): { workflow: Workflow } | { problems: ErrorDetail[] } {
    const result = validate(withoutId(document), this.registry);
    const problems: ErrorDetail[] = result.problems.map((p) => ({
      path: at + p.path,
      message: p.message,
      code: p.code,
    }));
    if (result.ok && result.workflow) {
      // Trigger kinds check what the core validator cannot (cron syntax, time zones).
      for (const trigger of this.triggers) {
        for (const detail of trigger.check?.(result.workflow) ?? []) {
          problems.push({ ...detail, path: at + detail.path });
        }
      }
      if (problems.length === 0) return { workflow: result.workflow };
    }
    return { problems };
  }

  /** All workflows (records only). */
  list(): Promise<WorkflowRecord[]> {
    return this.store.listWorkflows();
  }

  /** All workflows with the tags and description of their draft (the workflow list). */
  async listWithTags(): Promise<Array<WorkflowRecord & { tags: string[]; description?: string }>> {
    const records = await this.store.listWorkflows();
    return Promise.all(
      records.map(async (record) => {
        const draft = await this.store.getWorkflowVersion(record.id, record.draftVersion);
        const description = draft?.definition.description;
        return {
          ...record,
          tags: draft?.definition.tags ?? [],
          ...(description === undefined ? {} : { description }),
        };
      }),
    );
  }

  /** One workflow with its draft definition; 404 when unknown. */
  async get(id: string): Promise<WorkflowView> {
    return this.view(await this.requireRecord(id));
  }

  /**
   * Validates and creates a workflow (version 1). Creating it active publishes version 1 too:
   * an active workflow's triggers need a published version.
   */
  create(
    input: { id?: string; document: unknown; active: boolean } & SaveOptions,
  ): Promise<WorkflowView> {
    return this.exclusive(async () => {
      const definition = this.validateDefinition(input.document);
      const id = input.id ?? randomUUID();
      if (await this.store.getWorkflow(id))
        throw httpError('WORKFLOW_EXISTS', `Workflow "${id}" already exists.`);
      const publish = input.active || input.publish === true;
      const routes = input.active ? this.routesOf(id, 1, definition) : [];
      this.assertNoConflict(id, routes);
      const record = await this.store.createWorkflow({
        id,
        definition,
        active: input.active,
        publish,
        ...authorship(input),
        now: this.now(),
      });
      if (input.active) this.router.set(id, routes);
      await this.syncTriggers(id);
      return { ...record, definition };
    });
  }

  /**
   * Validates and saves a new draft version. `expectVersion` (If-Match) older than the draft is
   * a 409 `VERSION_CONFLICT` carrying the diff from that version to the current draft.
   */
  update(
    input: { id: string; document: unknown; expectVersion?: number } & SaveOptions,
  ): Promise<WorkflowView> {
    return this.exclusive(async () => {
      const definition = this.validateDefinition(input.document);
      const record = await this.requireRecord(input.id);
      const nextVersion = record.draftVersion + 1;
      const live = record.active && input.publish === true;
      const routes = live ? this.routesOf(record.id, nextVersion, definition) : [];
      this.assertNoConflict(record.id, routes);
      const saved = await this.store.saveWorkflowVersion({
        workflowId: record.id,
        definition,
        ...(input.expectVersion === undefined ? {} : { expectVersion: input.expectVersion }),
        ...(input.publish === true ? { publish: true } : {}),
        ...authorship(input),
        now: this.now(),
      });
      if ('conflict' in saved) throw await this.conflict(saved.conflict, input.expectVersion!);
      if (live)
        this.router.set(
          record.id,
          routes.map((r) => ({ ...r, version: saved.version })),
        );
      await this.syncTriggers(record.id);
      return this.view(await this.requireRecord(record.id), saved.definition);
    });
  }

  /** Publishes a version (the draft by default): triggers run it from now on. Rollback too. */
  publish(id: string, version?: number): Promise<WorkflowView> {
    return this.exclusive(async () => {
      const record = await this.requireRecord(id);
      const target = version ?? record.draftVersion;
      const stored = await this.store.getWorkflowVersion(id, target);
      if (!stored) {
        throw httpError(
          'WORKFLOW_VERSION_NOT_FOUND',
          `Workflow "${id}" has no version ${target}.`,
          [
            {
              path: '/body/version',
              message: `no such version; the draft is ${record.draftVersion}`,
            },
          ],
        );
      }
      const routes = record.active ? this.routesOf(id, target, stored.definition) : [];
      this.assertNoConflict(id, routes);
      const updated = await this.store.publishWorkflowVersion({
        workflowId: id,
        version: target,
        now: this.now(),
      });
      if (!updated) throw notFound(id);
      if (record.active) this.router.set(id, routes);
      await this.syncTriggers(id);
      return this.view(updated);
    });
  }

  /**
   * Activates or deactivates. Activation needs a published version (409 `WORKFLOW_NOT_PUBLISHED`)
   * and is refused (409) when another workflow owns one of its webhooks.
   */
  setActive(id: string, active: boolean): Promise<WorkflowView> {
    return this.exclusive(async () => {
      const record = await this.requireRecord(id);
      let routes: WebhookRoute[] = [];
      if (active) {
        if (record.publishedVersion === undefined) {
          throw httpError(
            'WORKFLOW_NOT_PUBLISHED',
            `Workflow "${id}" has no published version to activate; publish one first (POST /api/v1/workflows/${id}/publish).`,
          );
        }
        const published = await this.store.getWorkflowVersion(id, record.publishedVersion);
        if (!published) throw notFound(id);
        routes = this.routesOf(id, published.version, published.definition);
      }
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
      return this.view(updated);
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
   * Creates or updates a workflow from a file, publishes and activates it. A definition equal
   * to the published version saves nothing, so restarts do not pile up versions.
   */
  async upsertAndActivate(
    id: string,
    document: unknown,
  ): Promise<{ view: WorkflowView; change: 'created' | 'updated' | 'unchanged' }> {
    const definition = this.validateDefinition(document);
    const existing = await this.store.getWorkflow(id);
    if (!existing)
      return {
        view: await this.create({ id, document, active: true, message: 'workflow file' }),
        change: 'created',
      };
    const published =
      existing.publishedVersion === undefined
        ? undefined
        : await this.store.getWorkflowVersion(id, existing.publishedVersion);
    const same =
      published !== undefined && stableJson(published.definition) === stableJson(definition);
    if (!same) await this.update({ id, document, publish: true, message: 'workflow file' });
    return { view: await this.setActive(id, true), change: same ? 'unchanged' : 'updated' };
  }

  /**
   * Replaces the router entries and triggers of workflows whose published version changed
   * (imports). Call it from inside `exclusive`.
   */
  async refreshRoutes(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const record = await this.store.getWorkflow(id);
      if (!record?.active || record.publishedVersion === undefined) continue;
      const version = await this.store.getWorkflowVersion(id, record.publishedVersion);
      if (version) this.router.set(id, this.routesOf(id, version.version, version.definition));
    }
    // Runs inside the caller's exclusive section (imports): sync without queueing again.
    for (const id of ids) await this.syncTriggers(id);
  }

  /** The webhook routes a version declares, and the first conflict with another workflow. */
  findConflict(id: string, version: number, definition: Workflow) {
    return this.router.findConflict(id, this.routesOf(id, version, definition));
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

  private async conflict(current: WorkflowRecord, base: number): Promise<FlowstateHttpError> {
    const message = `Workflow "${current.id}" is at version ${current.draftVersion}, not ${base}; reload it and apply your change again.`;
    const [from, to] = await Promise.all([
      this.store.getWorkflowVersion(current.id, base),
      this.store.getWorkflowVersion(current.id, current.draftVersion),
    ]);
    if (!from || !to) {
      return new FlowstateHttpError(
        'VERSION_CONFLICT',
        `${message} (version ${base} does not exist)`,
        [],
        {
          currentVersion: current.draftVersion,
        },
      );
    }
    const diff = diffWorkflows(from.definition, to.definition);
    return new FlowstateHttpError(
      'VERSION_CONFLICT',
      message,
      describeDiff(diff, from.definition, to.definition),
      {
        currentVersion: current.draftVersion,
        baseVersion: base,
        diff,
      },
    );
  }

  async requireRecord(id: string): Promise<WorkflowRecord> {
    const record = await this.store.getWorkflow(id);
    if (!record) throw notFound(id);
    return record;
  }

  private async view(record: WorkflowRecord, definition?: Workflow): Promise<WorkflowView> {
    if (definition) return { ...record, definition };
    const version = await this.store.getWorkflowVersion(record.id, record.draftVersion);
    if (!version) throw notFound(record.id);
    return { ...record, definition: version.definition };
  }

  /** Runs `task` after every other mutation has finished. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

export { invalidDefinition, notFound, stableJson, withoutId };
