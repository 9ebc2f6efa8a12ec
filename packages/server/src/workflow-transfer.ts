import { canonicalJson, type ErrorDetail, type Workflow } from '@flowstate/core';
import type { WorkflowWrite } from '@flowstate/engine';
import { httpError } from './errors.js';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportFile as ExportFileType,
} from './schemas/workflows.js';
import { invalidDefinition, notFound, type WorkflowService } from './workflow-service.js';

/** Param names that hold credential references when a node type declares none. */
const CREDENTIAL_PARAM = /^credentials?(Id|Ids|Name)?$/i;

/** What an import did to one workflow. */
export interface ImportedWorkflow {
  id: string;
  action: 'created' | 'updated' | 'unchanged';
  draftVersion: number;
  publishedVersion?: number;
}

/**
 * Export and import of workflows as `flowstate-export` files. Exports carry the published (or
 * draft) definition of each workflow and the credential references its nodes hold (ids or names
 * in params): never a secret, since secrets live only in the credential store.
 */
export class WorkflowTransfer {
  constructor(private readonly workflows: WorkflowService) {}

  /** An export of the given workflows (all when `ids` is empty), each at `which` version. */
  async export(ids: readonly string[], which: 'published' | 'draft'): Promise<ExportFileType> {
    const store = this.workflows.store;
    const records =
      ids.length === 0
        ? await store.listWorkflows()
        : await Promise.all(ids.map((id) => this.workflows.requireRecord(id)));
    const workflows = [];
    for (const record of records) {
      const number =
        which === 'draft' ? record.draftVersion : (record.publishedVersion ?? record.draftVersion);
      const version = await store.getWorkflowVersion(record.id, number);
      if (!version) throw notFound(record.id);
      workflows.push({
        id: record.id,
        name: record.name,
        active: record.active,
        version: number,
        definition: version.definition,
        credentials: this.credentialReferences(version.definition),
      });
    }
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: new Date(this.workflows.now()).toISOString(),
      workflows,
    };
  }

  /**
   * Imports a file (already checked against `ExportFile`): every workflow is validated first and every problem reported at once
   * (`/workflows/2/definition/nodes/0/type: ...`); then all are written in one transaction, so a
   * bundle is never applied in part. New ids are created inactive; existing ones get a new draft
   * version (unless identical). `publish` publishes what was written; active workflows whose
   * published version changed serve their new webhooks at once.
   */
  import(
    file: ExportFileType,
    options: { publish: boolean; author: string; message?: string },
  ): Promise<ImportedWorkflow[]> {
    return this.workflows.exclusive(() => this.apply(file, options));
  }

  private async apply(
    file: ExportFileType,
    options: { publish: boolean; author: string; message?: string },
  ): Promise<ImportedWorkflow[]> {
    const store = this.workflows.store;
    const problems: ErrorDetail[] = [];
    const seen = new Set<string>();
    const definitions: Workflow[] = [];
    file.workflows.forEach((entry, index) => {
      if (seen.has(entry.id)) {
        problems.push({
          path: `/body/workflows/${index}/id`,
          message: `duplicate id "${entry.id}"`,
        });
      }
      seen.add(entry.id);
      const checked = this.workflows.check(entry.definition, `/body/workflows/${index}/definition`);
      if ('problems' in checked) problems.push(...checked.problems);
      else definitions[index] = checked.workflow;
    });
    if (problems.length > 0) throw invalidDefinition(problems, 'Import');

    const now = this.workflows.now();
    const common = {
      author: options.author,
      message: options.message ?? `imported from ${EXPORT_FORMAT}`,
      publish: options.publish,
      now,
    };
    const writes: WorkflowWrite[] = [];
    const plan: Array<{ id: string; action: ImportedWorkflow['action'] }> = [];
    for (const [index, entry] of file.workflows.entries()) {
      const definition = definitions[index]!;
      const existing = await store.getWorkflow(entry.id);
      if (!existing) {
        writes.push({ kind: 'create', id: entry.id, definition, active: false, ...common });
        plan.push({ id: entry.id, action: 'created' });
        continue;
      }
      const draft = await store.getWorkflowVersion(entry.id, existing.draftVersion);
      const unchanged =
        draft !== undefined && canonicalJson(draft.definition) === canonicalJson(definition);
      const publishedDraft = existing.publishedVersion === existing.draftVersion;
      if (unchanged && (!options.publish || publishedDraft)) {
        plan.push({ id: entry.id, action: 'unchanged' });
        continue;
      }
      if (options.publish && existing.active) {
        const conflict = this.workflows.findConflict(
          entry.id,
          existing.draftVersion + 1,
          definition,
        );
        if (conflict) {
          throw httpError(
            'WEBHOOK_CONFLICT',
            `Import of "${entry.id}" would publish webhook ${conflict.route.method} /hooks/${conflict.route.path}, already served by active workflow "${conflict.other.workflowId}"; nothing was imported.`,
            [{ path: `/body/workflows/${index}/definition`, message: 'webhook path taken' }],
          );
        }
      }
      writes.push({ kind: 'save', workflowId: entry.id, definition, ...common });
      plan.push({ id: entry.id, action: unchanged ? 'unchanged' : 'updated' });
    }
    await store.writeWorkflows(writes);
    await this.workflows.refreshRoutes(plan.map((p) => p.id));
    const results: ImportedWorkflow[] = [];
    for (const { id, action } of plan) {
      const record = await this.workflows.requireRecord(id);
      results.push({
        id,
        action,
        draftVersion: record.draftVersion,
        ...(record.publishedVersion === undefined
          ? {}
          : { publishedVersion: record.publishedVersion }),
      });
    }
    return results;
  }

  /** Credential references in node params: the node type's credential params, or by name. */
  private credentialReferences(definition: Workflow) {
    const references: { nodeId: string; path: string; credential: string }[] = [];
    for (const node of definition.nodes) {
      const declared = new Set(
        Object.keys(this.workflows.registry.get(node.type)?.credentials ?? {}),
      );
      for (const [name, value] of Object.entries(node.params)) {
        if (!declared.has(name) && !CREDENTIAL_PARAM.test(name)) continue;
        const values = Array.isArray(value) ? value : [value];
        values.forEach((item, index) => {
          if (typeof item !== 'string' || item === '') return;
          const path = `/params/${name}${Array.isArray(value) ? `/${index}` : ''}`;
          references.push({ nodeId: node.id, path, credential: item });
        });
      }
    }
    return references;
  }
}
