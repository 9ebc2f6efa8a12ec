import type { NodeRegistry, Workflow } from '@flowstate/core';
import type { EventTriggerParams } from '@flowstate/nodes';
import type { LiveVersion, TriggerSync } from '../trigger-sync.js';

/** The node type whose params subscribe a workflow to named events. */
export const EVENT_TRIGGER_TYPE = 'trigger.event';

/** One `trigger.event` node of an active workflow's live version. */
export interface EventTrigger {
  workflowId: string;
  version: number;
  triggerNodeId: string;
  event: string;
  /** When set, only events with this correlation key start the workflow. */
  correlationKey?: string;
  /** When set, a `{{ }}` template (or literal) that must be truthy for the event. */
  condition?: unknown;
}

/**
 * In-memory index of the event triggers of active workflows, by event name. Kept in step by
 * the `WorkflowService` (it is a `TriggerSync`), like the webhook router.
 */
export class EventTriggerIndex implements TriggerSync {
  private readonly byWorkflow = new Map<string, EventTrigger[]>();
  private byName = new Map<string, EventTrigger[]>();

  constructor(private readonly registry: NodeRegistry) {}

  async sync(workflowId: string, live: LiveVersion | undefined): Promise<void> {
    const triggers = live ? this.triggersOf(workflowId, live.version, live.definition) : [];
    if (triggers.length === 0 && !this.byWorkflow.has(workflowId)) return;
    if (triggers.length > 0) this.byWorkflow.set(workflowId, triggers);
    else this.byWorkflow.delete(workflowId);
    const byName = new Map<string, EventTrigger[]>();
    for (const list of this.byWorkflow.values()) {
      for (const trigger of list) {
        const named = byName.get(trigger.event);
        if (named) named.push(trigger);
        else byName.set(trigger.event, [trigger]);
      }
    }
    this.byName = byName;
  }

  /** The triggers subscribed to `event`. */
  find(event: string): readonly EventTrigger[] {
    return this.byName.get(event) ?? [];
  }

  private triggersOf(workflowId: string, version: number, definition: Workflow): EventTrigger[] {
    const nodeType = this.registry.get(EVENT_TRIGGER_TYPE);
    const triggers: EventTrigger[] = [];
    for (const node of definition.nodes) {
      if (node.type !== EVENT_TRIGGER_TYPE || node.disabled === true || node.parentId !== undefined)
        continue;
      const parsed = nodeType?.params.safeParse(node.params);
      if (parsed?.success !== true) continue;
      const params = parsed.data as EventTriggerParams;
      triggers.push({
        workflowId,
        version,
        triggerNodeId: node.id,
        event: params.event,
        ...(params.correlationKey === undefined ? {} : { correlationKey: params.correlationKey }),
        ...(params.condition === undefined ? {} : { condition: params.condition }),
      });
    }
    return triggers;
  }
}
