import type { NodeRegistry, Workflow } from '@flowstate/core';
import { ENTITY_TRIGGER_TYPE, type EntityTriggerParams, type RecordType } from '@flowstate/crm';
import type { LiveVersion, TriggerSync } from '../trigger-sync.js';

/** One `trigger.entity` node of an active workflow's live version. */
export interface EntityTrigger {
  workflowId: string;
  version: number;
  triggerNodeId: string;
  params: EntityTriggerParams;
}

/**
 * In-memory index of the entity triggers of active workflows, by record type. Kept in step by
 * the `WorkflowService` (a `TriggerSync`), like the `trigger.event` index.
 */
export class EntityTriggerIndex implements TriggerSync {
  private readonly byWorkflow = new Map<string, EntityTrigger[]>();
  private byType = new Map<RecordType, EntityTrigger[]>();
  /** The live version this index last synced per workflow (`off`: none). */
  private readonly synced = new Map<string, string>();

  constructor(private readonly registry: NodeRegistry) {}

  /**
   * Resyncs the workflows another process changed since this index last saw them (another API
   * process activated or published one): compares each stored workflow's live version with the
   * one synced here and calls `resync` for those that differ. Cheap: workflow rows only.
   */
  async refresh(
    workflows: ReadonlyArray<{ id: string; active: boolean; publishedVersion?: number }>,
    resync: (workflowId: string) => Promise<void>,
  ): Promise<void> {
    const seen = new Set<string>();
    for (const record of workflows) {
      seen.add(record.id);
      const live =
        record.active && record.publishedVersion !== undefined
          ? String(record.publishedVersion)
          : 'off';
      if ((this.synced.get(record.id) ?? 'off') !== live) await resync(record.id);
    }
    for (const id of [...this.synced.keys()]) if (!seen.has(id)) await resync(id);
  }

  async sync(workflowId: string, live: LiveVersion | undefined): Promise<void> {
    if (live === undefined) this.synced.delete(workflowId);
    else this.synced.set(workflowId, String(live.version));
    const triggers = live ? this.triggersOf(workflowId, live.version, live.definition) : [];
    if (triggers.length === 0 && !this.byWorkflow.has(workflowId)) return;
    if (triggers.length > 0) this.byWorkflow.set(workflowId, triggers);
    else this.byWorkflow.delete(workflowId);
    const byType = new Map<RecordType, EntityTrigger[]>();
    for (const list of this.byWorkflow.values()) {
      for (const trigger of list) {
        const same = byType.get(trigger.params.recordType);
        if (same) same.push(trigger);
        else byType.set(trigger.params.recordType, [trigger]);
      }
    }
    this.byType = byType;
  }

  /** The triggers on records of `type`. */
  find(type: RecordType): readonly EntityTrigger[] {
    return this.byType.get(type) ?? [];
  }

  private triggersOf(workflowId: string, version: number, definition: Workflow): EntityTrigger[] {
    const nodeType = this.registry.get(ENTITY_TRIGGER_TYPE);
    if (nodeType === undefined) return [];
    const triggers: EntityTrigger[] = [];
    for (const node of definition.nodes) {
      if (
        node.type !== ENTITY_TRIGGER_TYPE ||
        node.disabled === true ||
        node.parentId !== undefined
      )
        continue;
      const parsed = nodeType.params.safeParse(node.params);
      if (!parsed.success) continue;
      triggers.push({
        workflowId,
        version,
        triggerNodeId: node.id,
        params: parsed.data as EntityTriggerParams,
      });
    }
    return triggers;
  }
}
