import { isTemplate, type ErrorDetail, type NodeRegistry, type Workflow } from '@flowstate/core';
import type { CatchUpPolicy, ScheduleSpec } from '@flowstate/engine';
import { isValidTimezone, parseCron, type ScheduleTriggerParams } from '@flowstate/nodes';

/** The node type whose params declare a schedule. */
export const SCHEDULE_TRIGGER_TYPE = 'trigger.schedule';

/** A schedule trigger of a definition, with its params read through the node schema. */
interface ScheduleNode {
  index: number;
  id: string;
  params: ScheduleTriggerParams;
  timezone: string;
}

/** The enabled top-level `trigger.schedule` nodes of a definition. */
function scheduleNodes(definition: Workflow, registry: NodeRegistry): ScheduleNode[] {
  const nodeType = registry.get(SCHEDULE_TRIGGER_TYPE);
  const nodes: ScheduleNode[] = [];
  definition.nodes.forEach((node, index) => {
    if (
      node.type !== SCHEDULE_TRIGGER_TYPE ||
      node.disabled === true ||
      node.parentId !== undefined
    )
      return;
    const parsed = nodeType?.params.safeParse(node.params);
    if (parsed?.success !== true) return;
    const params = parsed.data as ScheduleTriggerParams;
    const timezone = params.timezone ?? definition.settings?.timezone ?? 'UTC';
    nodes.push({ index, id: node.id, params, timezone });
  });
  return nodes;
}

/**
 * What the node schema cannot see: a cron or time zone given as a `{{ }}` template (the
 * validator accepts templates anywhere), and an invalid `settings.timezone` a schedule uses.
 */
export function scheduleProblems(definition: Workflow): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  definition.nodes.forEach((node, index) => {
    if (node.type !== SCHEDULE_TRIGGER_TYPE) return;
    for (const param of ['cron', 'timezone'] as const) {
      if (isTemplate(node.params[param])) {
        problems.push({
          path: `/nodes/${index}/params/${param}`,
          message: `must be fixed: a schedule's ${param} cannot be a {{ }} template`,
          code: 'invalid_param',
        });
      }
    }
    const zone = definition.settings?.timezone;
    if (node.params['timezone'] === undefined && zone !== undefined && !isValidTimezone(zone)) {
      problems.push({
        path: '/settings/timezone',
        message: `"${zone}" is not an IANA time zone such as "UTC" or "Europe/Berlin" (used by schedule "${node.name}")`,
        code: 'invalid_param',
      });
    }
  });
  return problems;
}

/** The schedules a definition declares, each with its first run after `now`. */
export function scheduleSpecsOf(
  definition: Workflow,
  registry: NodeRegistry,
  now: number,
): ScheduleSpec[] {
  const specs: ScheduleSpec[] = [];
  for (const node of scheduleNodes(definition, registry)) {
    const next = parseCron(node.params.cron, node.timezone).next(now);
    if (next === undefined) continue;
    specs.push({
      triggerNodeId: node.id,
      cron: node.params.cron,
      timezone: node.timezone,
      catchUp: node.params.catchUp as CatchUpPolicy,
      catchUpLimit: node.params.catchUpLimit,
      nextRunAt: next,
    });
  }
  return specs;
}
