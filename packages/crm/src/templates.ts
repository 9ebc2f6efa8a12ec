import { z } from 'zod';
import type { JsonValue } from '@flowstate/core';
import { CrmError } from './errors.js';

type Doc = {
  schemaVersion: 1;
  name: string;
  description: string;
  tags: string[];
  nodes: JsonValue[];
  edges: JsonValue[];
};

/** A workflow template that uses the CRM, installed with parameters. */
export interface CrmTemplate<S extends z.ZodType = z.ZodType> {
  id: string;
  name: string;
  description: string;
  params: S;
  build(params: z.output<S>): Doc;
}

const node = (
  id: string,
  type: string,
  name: string,
  params: Record<string, unknown>,
  x: number,
): JsonValue => ({ id, type, name, params, position: { x, y: 0 } }) as JsonValue;
const edge = (from: string, to: string, port?: string): JsonValue =>
  ({ id: `${from}-${to}`, from, to, ...(port ? { port } : {}) }) as JsonValue;
const doc = (name: string, description: string, nodes: JsonValue[], edges: JsonValue[]): Doc => ({
  schemaVersion: 1,
  name,
  description,
  tags: ['crm'],
  nodes,
  edges,
});
const users = z.array(z.string().min(1).max(100)).min(1).max(100);

function template<S extends z.ZodType>(t: CrmTemplate<S>): CrmTemplate<S> {
  return t;
}

/** The CRM workflow templates (`GET /api/v1/crm/templates`, installed as workflows). */
export const CRM_TEMPLATES = [
  template({
    id: 'lead-assignment',
    name: 'Lead assignment',
    description: 'Each new contact gets an owner in turn (round robin) and a first-call task.',
    params: z.object({ users, callWithinMinutes: z.number().int().min(1).max(10_080).default(60) }),
    build: (p) =>
      doc(
        'Lead assignment',
        'Round-robin owner and a first-call task for every new contact.',
        [
          node(
            'trigger',
            'trigger.entity',
            'New contact',
            { recordType: 'contact', events: ['created'] },
            0,
          ),
          node(
            'assign',
            'crm.assign-owner',
            'Assign owner',
            {
              recordType: 'contact',
              id: '{{ $trigger.id }}',
              strategy: 'round-robin',
              users: p.users,
            },
            250,
          ),
          node(
            'task',
            'crm.create-task',
            'First call',
            {
              title: 'Call {{ $trigger.record.name }}',
              dueInMinutes: p.callWithinMinutes,
              priority: 3,
              assigneeId: '{{ $steps.`Assign owner`.ownerId }}',
              recordType: 'contact',
              recordId: '{{ $trigger.id }}',
            },
            500,
          ),
        ],
        [edge('trigger', 'assign'), edge('assign', 'task')],
      ),
  }),
  template({
    id: 'deal-stage-follow-up',
    name: 'Deal stage follow-up',
    description: 'When a deal enters a stage, its owner gets a follow-up task.',
    params: z.object({
      stage: z.string().min(1).max(100).optional(),
      followUpDays: z.number().min(0).max(365).default(2),
    }),
    build: (p) =>
      doc(
        'Deal stage follow-up',
        'A follow-up task when a deal changes stage.',
        [
          node(
            'trigger',
            'trigger.entity',
            'Deal moved',
            {
              recordType: 'deal',
              events: ['stage_changed'],
              ...(p.stage ? { stage: p.stage } : {}),
            },
            0,
          ),
          node(
            'task',
            'crm.create-task',
            'Follow up',
            {
              title: 'Follow up on {{ $trigger.record.name }} ({{ $trigger.record.stage }})',
              dueInMinutes: p.followUpDays * 1440,
              assigneeId: '{{ $trigger.record.ownerId }}',
              recordType: 'deal',
              recordId: '{{ $trigger.id }}',
            },
            250,
          ),
        ],
        [edge('trigger', 'task')],
      ),
  }),
  template({
    id: 'hot-lead-rush',
    name: 'Hot lead rush',
    description:
      "When a contact's score crosses the threshold, an urgent call task within the hour.",
    params: z.object({
      threshold: z.number().min(0).max(1000).default(60),
      withinMinutes: z.number().int().min(1).max(1440).default(60),
    }),
    build: (p) =>
      doc(
        'Hot lead rush',
        'Urgent call when a lead turns hot.',
        [
          node(
            'trigger',
            'trigger.entity',
            'Score crossed',
            {
              recordType: 'contact',
              events: ['updated', 'stage_changed'],
              changed: ['score'],
              where: `record.score >= ${p.threshold} and previous.score < ${p.threshold}`,
            },
            0,
          ),
          node(
            'task',
            'crm.create-task',
            'Call now',
            {
              title: 'Hot lead: call {{ $trigger.record.name }}',
              dueInMinutes: p.withinMinutes,
              priority: 4,
              assigneeId: '{{ $trigger.record.ownerId }}',
              recordType: 'contact',
              recordId: '{{ $trigger.id }}',
            },
            250,
          ),
        ],
        [edge('trigger', 'task')],
      ),
  }),
  template({
    id: 'no-show-follow-up',
    name: 'No-show follow-up',
    description: 'A meeting logged as a no-show gets a note and a task to reschedule.',
    params: z.object({
      marker: z.string().min(1).max(50).default('no-show'),
      rescheduleWithinMinutes: z.number().int().min(1).max(10_080).default(240),
    }),
    build: (p) =>
      doc(
        'No-show follow-up',
        'Reschedule meetings the prospect missed.',
        [
          node(
            'trigger',
            'trigger.entity',
            'No-show logged',
            {
              recordType: 'activity',
              events: ['created'],
              where: `record.kind = 'meeting' and $contains($lowercase(record.subject & ' ' & record.body), ${JSON.stringify(p.marker.toLowerCase())})`,
            },
            0,
          ),
          node(
            'task',
            'crm.create-task',
            'Reschedule',
            {
              title: 'Reschedule the missed meeting',
              dueInMinutes: p.rescheduleWithinMinutes,
              priority: 3,
              recordType: '{{ $trigger.record.recordType }}',
              recordId: '{{ $trigger.record.recordId }}',
            },
            250,
          ),
        ],
        [edge('trigger', 'task')],
      ),
  }),
  template({
    id: 'task-due-reminder',
    name: 'Task-due reminder',
    description:
      'Before a task is due, posts a reminder to a URL (chat webhook) unless it is done.',
    params: z.object({
      notifyUrl: z.url({ protocol: /^https?$/ }),
      minutesBefore: z.number().int().min(0).max(10_080).default(30),
    }),
    build: (p) =>
      doc(
        'Task-due reminder',
        'Reminds the assignee before a task is due.',
        [
          node(
            'trigger',
            'trigger.entity',
            'Task created',
            { recordType: 'task', events: ['created'] },
            0,
          ),
          node(
            'wait',
            'wait.delay',
            'Until reminder',
            {
              until: `{{ $fromMillis($max([$trigger.record.dueAt - ${p.minutesBefore * 60_000}, $toMillis($now)])) }}`,
            },
            250,
          ),
          node(
            'get',
            'crm.get-record',
            'Task now',
            { recordType: 'task', id: '{{ $trigger.id }}' },
            500,
          ),
          node(
            'open',
            'flow.if',
            'Still open',
            { condition: "{{ $steps.`Task now`.status = 'open' }}" },
            750,
          ),
          node(
            'notify',
            'http.request',
            'Remind',
            {
              method: 'POST',
              url: p.notifyUrl,
              body: {
                text: 'Task due soon: {{ $steps.`Task now`.title }} (assignee {{ $steps.`Task now`.assigneeId }})',
              },
            },
            1000,
          ),
        ],
        [
          edge('trigger', 'wait'),
          edge('wait', 'get'),
          edge('get', 'open'),
          edge('open', 'notify', 'true'),
        ],
      ),
  }),
  template({
    id: 'inactivity-nudge',
    name: 'Inactivity nudge',
    description:
      'When nothing was logged on a contact for some days after an activity, its owner gets a nudge task.',
    params: z.object({ days: z.number().min(1).max(365).default(7) }),
    build: (p) =>
      doc(
        'Inactivity nudge',
        'Nudge the owner when a contact goes quiet.',
        [
          node(
            'trigger',
            'trigger.entity',
            'Activity logged',
            { recordType: 'activity', events: ['created'], where: "record.recordType = 'contact'" },
            0,
          ),
          node('wait', 'wait.delay', 'Quiet period', { duration: `${p.days}d` }, 250),
          node(
            'get',
            'crm.get-record',
            'Contact now',
            { recordType: 'contact', id: '{{ $trigger.record.recordId }}' },
            500,
          ),
          node(
            'quiet',
            'flow.if',
            'Still quiet',
            {
              condition: '{{ $steps.`Contact now`.lastActivityAt <= $trigger.record.occurredAt }}',
            },
            750,
          ),
          node(
            'task',
            'crm.create-task',
            'Nudge',
            {
              title:
                'Reach out to {{ $steps.`Contact now`.name }}: quiet for ' +
                String(p.days) +
                ' days',
              dueInMinutes: 1440,
              assigneeId: '{{ $steps.`Contact now`.ownerId }}',
              recordType: 'contact',
              recordId: '{{ $trigger.record.recordId }}',
            },
            1000,
          ),
        ],
        [
          edge('trigger', 'wait'),
          edge('wait', 'get'),
          edge('get', 'quiet'),
          edge('quiet', 'task', 'true'),
        ],
      ),
  }),
] as const;

/** A template by id; `CRM_TEMPLATE_NOT_FOUND` otherwise. */
export function findTemplate(id: string): CrmTemplate {
  const found = CRM_TEMPLATES.find((t) => t.id === id) as CrmTemplate | undefined;
  if (found === undefined) {
    throw new CrmError(
      'CRM_TEMPLATE_NOT_FOUND',
      `No CRM template "${id}" (templates: ${CRM_TEMPLATES.map((t) => t.id).join(', ')})`,
      {
        details: [{ path: '/templateId', message: 'unknown template' }],
      },
    );
  }
  return found;
}

/** Builds a template's workflow document from install parameters (`INVALID_RECORD` on bad ones). */
export function buildTemplate(id: string, params: unknown): Doc {
  const t = findTemplate(id);
  const parsed = t.params.safeParse(params ?? {});
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({
      path: `/params${i.path.map((s) => `/${String(s)}`).join('')}`,
      message: i.message,
    }));
    throw new CrmError(
      'INVALID_RECORD',
      `Invalid parameters of template "${id}": ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
      { details },
    );
  }
  return t.build(parsed.data);
}
