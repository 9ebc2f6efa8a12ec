import { z } from 'zod';

/** Kinds of suggestion on the next-best-action list. */
export const ACTION_KINDS = ['overdue-task', 'due-task', 'hot-lead', 'stalled-deal'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** One thing to do now, with why. */
export const NextActionSchema = z
  .object({
    kind: z.enum(ACTION_KINDS),
    recordType: z.string(),
    recordId: z.string(),
    title: z.string(),
    reason: z.string(),
    /** Higher first. */
    priority: z.number(),
  })
  .meta({ id: 'CrmNextAction' });
export type NextAction = z.infer<typeof NextActionSchema>;

/** Candidates gathered from the store (see `CrmService.nextBestActions`). */
export interface ActionCandidates {
  /** Open tasks due before the end of the horizon (overdue ones included). */
  tasks: ReadonlyArray<{ id: string; title: string; dueAt: number; priority: number }>;
  /** Contacts at or above the hot-lead score. */
  hotLeads: ReadonlyArray<{
    id: string;
    name: string;
    score: number;
    lastActivityAt: number | null;
  }>;
  /** Deals in a non-terminal stage unchanged since before the stall cutoff. */
  stalledDeals: ReadonlyArray<{
    id: string;
    name: string;
    stage: string;
    stageChangedAt: number;
    amount: number;
  }>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function ago(ms: number): string {
  if (ms < HOUR) return `${Math.max(1, Math.round(ms / 60_000))} min`;
  if (ms < 2 * DAY) return `${Math.round(ms / HOUR)} h`;
  return `${Math.round(ms / DAY)} days`;
}

/**
 * Ranks what to do now. Overdue tasks first (more overdue and higher priority rank higher),
 * then hot leads nobody has touched lately, then tasks due soon, then stalled deals (larger
 * and longer stalled first). Every action says why it is on the list. Pure: same candidates
 * and time, same list.
 */
export function rankNextActions(
  candidates: ActionCandidates,
  now: number,
  limit = 20,
): NextAction[] {
  const actions: NextAction[] = [];
  for (const task of candidates.tasks) {
    const overdue = task.dueAt < now;
    actions.push({
      kind: overdue ? 'overdue-task' : 'due-task',
      recordType: 'task',
      recordId: task.id,
      title: task.title,
      reason: overdue
        ? `Overdue by ${ago(now - task.dueAt)} (priority ${task.priority})`
        : `Due in ${ago(task.dueAt - now)} (priority ${task.priority})`,
      priority: overdue
        ? 300 + task.priority * 20 + Math.min(50, (now - task.dueAt) / DAY)
        : 100 + task.priority * 20 - Math.min(50, (task.dueAt - now) / HOUR),
    });
  }
  for (const lead of candidates.hotLeads) {
    const idle = lead.lastActivityAt === null ? undefined : now - lead.lastActivityAt;
    actions.push({
      kind: 'hot-lead',
      recordType: 'contact',
      recordId: lead.id,
      title: lead.name,
      reason:
        idle === undefined
          ? `Score ${lead.score} and never contacted`
          : `Score ${lead.score}, last activity ${ago(idle)} ago`,
      priority: 200 + lead.score / 2 + Math.min(50, (idle ?? 30 * DAY) / DAY),
    });
  }
  for (const deal of candidates.stalledDeals) {
    const stalled = now - deal.stageChangedAt;
    actions.push({
      kind: 'stalled-deal',
      recordType: 'deal',
      recordId: deal.id,
      title: deal.name,
      reason: `In stage "${deal.stage}" for ${ago(stalled)} (amount ${deal.amount})`,
      priority:
        50 +
        Math.min(50, stalled / DAY) +
        Math.min(50, Math.log10(1 + Math.max(0, deal.amount)) * 5),
    });
  }
  return actions
    .map((a) => ({ ...a, priority: Math.round(a.priority * 100) / 100 }))
    .sort((a, b) => b.priority - a.priority || a.recordId.localeCompare(b.recordId))
    .slice(0, limit);
}
