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

  constructor(private readonly registry: NodeRegistry) {}

  async sync(workflowId: string, live: LiveVersion | undefined): Promise<void> {
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
