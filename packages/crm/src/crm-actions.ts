import { randomUUID } from 'node:crypto';
import type { JsonValue } from '@flowstate/core';
import type { ChangeSource, CrmService } from './crm-service.js';
import type { StoredRecord } from './crm-store.js';
import { CrmError } from './errors.js';
import { rankNextActions, type NextAction } from './next-best-action.js';
import { computeScore, DEFAULT_SCORE_EXPRESSION } from './scoring.js';
import type { RecordType } from './records.js';

const DAY = 24 * 3_600_000;

/** Where the lead-score expression is configured (the server keeps it in settings). */
export interface ScoreConfig {
  expression(): Promise<string | undefined>;
}

/** Activities and open tasks of a record (at most 500 each: the newest). */
export async function recordContext(
  crm: CrmService,
  type: RecordType,
  id: string,
): Promise<{ activities: StoredRecord[]; tasks: StoredRecord[] }> {
  const [activities, tasks] = await Promise.all([
    crm.list('activity', {
      filters: [
        { field: 'recordType', op: 'eq', value: type },
        { field: 'recordId', op: 'eq', value: id },
      ],
      sort: { field: 'occurredAt', direction: 'desc' },
      limit: 500,
    }),
    crm.list('task', {
      filters: [
        { field: 'recordType', op: 'eq', value: type },
        { field: 'recordId', op: 'eq', value: id },
      ],
      sort: { field: 'dueAt', direction: 'asc' },
      limit: 500,
    }),
  ]);
  return { activities: activities.items, tasks: tasks.items };
}

/**
 * Recomputes a contact's lead score with the configured expression (or `expression`) and
 * stores it when it changed (an `updated` event naming `score`). Returns the contact.
 */
export async function scoreContact(
  crm: CrmService,
  input: { id: string; config?: ScoreConfig; expression?: string; source: ChangeSource },
): Promise<StoredRecord> {
  const contact = await crm.get('contact', input.id);
  const { activities, tasks } = await recordContext(crm, 'contact', input.id);
  const expression =
    input.expression ?? (await input.config?.expression()) ?? DEFAULT_SCORE_EXPRESSION;
  const score = await computeScore(expression, { contact, activities, tasks, now: crm.now() });
  if (score === contact['score']) return contact;
  return crm.update('contact', input.id, { score }, input.source);
}

/**
 * Logs an activity on a record. On a contact it also sets `lastActivityAt` and recomputes the
 * lead score, so hot leads rise as they engage.
 */
export async function logActivity(
  crm: CrmService,
  input: { activity: unknown; config?: ScoreConfig; source: ChangeSource },
): Promise<StoredRecord> {
  const activity = await crm.create('activity', input.activity, input.source);
  if (activity['recordType'] === 'contact') {
    const id = String(activity['recordId']);
    const contact = await crm.store.getRecord('contact', id);
    if (contact !== undefined) {
      await touchContact(crm, id, Number(activity['occurredAt']), input.source);
      await scoreContact(crm, {
        id,
        ...(input.config ? { config: input.config } : {}),
        source: input.source,
      });
    }
  }
  return activity;
}

/** Moves a contact's `lastActivityAt` forward (an `updated` event naming it). */
async function touchContact(
  crm: CrmService,
  id: string,
  at: number,
  source: ChangeSource,
): Promise<void> {
  await crm.store.updateRecord({
    type: 'contact',
    id,
    decide: (current) => {
      if (current['lastActivityAt'] != null && Number(current['lastActivityAt']) >= at)
        return undefined;
      const record = { ...current, lastActivityAt: at, updatedAt: crm.now() };
      return {
        record,
        event: {
          id: randomUUID(),
          recordType: 'contact',
          recordId: id,
          event: 'updated',
          changed: ['lastActivityAt'],
          record,
          previous: current,
          actor: source.actor,
          createdAt: crm.now(),
        },
      };
    },
  });
}

/** How `assignOwner` picks: the next of `users` in turn, or the first rule whose `when` holds. */
export type AssignStrategy =
  | { strategy: 'round-robin'; users: readonly string[]; counter?: string }
  | {
      strategy: 'rule';
      rules: ReadonlyArray<{
        when: (record: StoredRecord) => Promise<boolean> | boolean;
        ownerId: string;
      }>;
      fallback?: string;
    };

/**
 * Sets a record's owner (contacts, companies, deals; a task's assignee). Round robin keeps a
 * per-list counter in the store, so turns are shared by every process. Returns the record.
 */
export async function assignOwner(
  crm: CrmService,
  input: { type: RecordType; id: string; assign: AssignStrategy; source: ChangeSource },
): Promise<StoredRecord> {
  const record = await crm.get(input.type, input.id);
  let owner: string | undefined;
  if (input.assign.strategy === 'round-robin') {
    const users = input.assign.users;
    if (users.length === 0)
      throw new CrmError('INVALID_RECORD', 'Round robin needs at least one user', {
        details: [{ path: '/users', message: 'must not be empty' }],
      });
    const turn = await crm.store.nextCounter(
      `round-robin:${input.assign.counter ?? users.join(',')}`,
    );
    owner = users[(turn - 1) % users.length];
  } else {
    for (const rule of input.assign.rules) {
      if (await rule.when(record)) {
        owner = rule.ownerId;
        break;
      }
    }
    owner ??= input.assign.fallback;
  }
  if (owner === undefined) return record;
  const field = input.type === 'task' ? 'assigneeId' : 'ownerId';
  return crm.update(input.type, input.id, { [field]: owner }, input.source);
}

/** Options of {@link nextBestActions}. */
export interface NextBestActionsOptions {
  /** Only this user's tasks, leads and deals. */
  userId?: string;
  limit?: number;
  /** Score at which a lead is hot (default 60). */
  hotScore?: number;
  /** Days in one stage after which a deal is stalled (default 14). */
  stalledDays?: number;
}

/** The ranked next-best-action list (see `rankNextActions`) from the store's indexed lists. */
export async function nextBestActions(
  crm: CrmService,
  options: NextBestActionsOptions = {},
): Promise<NextAction[]> {
  const now = crm.now();
  const mine = (field: string) =>
    options.userId === undefined ? [] : [{ field, op: 'eq' as const, value: options.userId }];
  const [tasks, leads, deals, pipelines] = await Promise.all([
    crm.list('task', {
      filters: [
        ...mine('assigneeId'),
        { field: 'status', op: 'eq', value: 'open' },
        { field: 'dueAt', op: 'lt', value: now + DAY },
      ],
      sort: { field: 'dueAt', direction: 'asc' },
      limit: 50,
    }),
    crm.list('contact', {
      filters: [...mine('ownerId'), { field: 'score', op: 'gte', value: options.hotScore ?? 60 }],
      sort: { field: 'score', direction: 'desc' },
      limit: 50,
    }),
    crm.list('deal', {
      filters: [
        ...mine('ownerId'),
        { field: 'stageChangedAt', op: 'lt', value: now - (options.stalledDays ?? 14) * DAY },
      ],
      sort: { field: 'stageChangedAt', direction: 'asc' },
      limit: 100,
    }),
    crm.store.listPipelines(),
  ]);
  const terminal = new Set(
    pipelines.flatMap((p) => p.stages.filter((s) => s.terminal).map((s) => `${p.id}/${s.id}`)),
  );
  return rankNextActions(
    {
      tasks: tasks.items.map((t) => ({
        id: t.id,
        title: String(t['title']),
        dueAt: Number(t['dueAt']),
        priority: Number(t['priority']),
      })),
      hotLeads: leads.items
        .filter((c) => c['lastActivityAt'] == null || Number(c['lastActivityAt']) < now - 2 * DAY)
        .map((c) => ({
          id: c.id,
          name: String(c['name']),
          score: Number(c['score']),
          lastActivityAt: (c['lastActivityAt'] as number | null) ?? null,
        })),
      stalledDeals: deals.items
        .filter((d) => !terminal.has(`${String(d['pipelineId'])}/${String(d['stage'])}`))
        .map((d) => ({
          id: d.id,
          name: String(d['name']),
          stage: String(d['stage']),
          stageChangedAt: Number(d['stageChangedAt']),
          amount: Number(d['amount']),
        })),
    },
    now,
    options.limit ?? 20,
  );
}

/** Everything stored about one contact, as JSON (GDPR access / portability). */
export async function exportContact(crm: CrmService, id: string): Promise<JsonValue> {
  const contact = await crm.get('contact', id);
  const { activities, tasks } = await recordContext(crm, 'contact', id);
  const deals = await crm.list('deal', {
    filters: [{ field: 'contactId', op: 'eq', value: id }],
    sort: { field: 'createdAt', direction: 'asc' },
    limit: 500,
  });
  const events = await crm.store.listEvents({ recordType: 'contact', recordId: id, limit: 10_000 });
  const executions = await crm.store.listExecutionLinks('contact', id);
  return {
    exportedAt: new Date(crm.now()).toISOString(),
    contact,
    activities,
    tasks,
    deals: deals.items,
    events,
    executions,
  } as unknown as JsonValue;
}
