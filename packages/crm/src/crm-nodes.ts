import { z } from 'zod';
import {
  FlowstateError,
  NonRetriableError,
  type JsonValue,
  type NodeContext,
  type NodeType,
} from '@flowstate/core';
import { defineNode } from '@flowstate/sdk';
import { assignOwner, logActivity, scoreContact, type ScoreConfig } from './crm-actions.js';
import type { ChangeSource, CrmService } from './crm-service.js';
import { ACTIVITY_KINDS, PIPELINE_RECORD_TYPES, RECORD_TYPES } from './records.js';
import { entityTrigger } from './entity-trigger.js';

/** What the `crm.*` nodes need: the CRM service and the lead-score configuration. */
export interface CrmNodeDeps {
  crm: CrmService;
  score?: ScoreConfig;
}

const fields = z.record(z.string(), z.unknown());
const id = z.string().min(1).max(100);

function sourceOf(ctx: NodeContext<unknown>): ChangeSource {
  return {
    actor: `execution:${ctx.execution.id}`,
    execution: { id: ctx.execution.id, workflowId: ctx.execution.workflowId },
  };
}

/**
 * Runs a CRM call from a node. The CRM's refusals (a stage rule, a missing record, bad fields)
 * are the workflow's input problem, so they fail the step without retries, keeping the code
 * and message (`STAGE_RULE_FAILED: Stage "Invited" requires custom.motivation ...`).
 */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof FlowstateError && !(error instanceof NonRetriableError)) {
      throw new NonRetriableError(`${error.code}: ${error.message}`, {
        cause: error,
        code: error.code,
      });
    }
    throw error;
  }
}

const out = (value: unknown) => value as JsonValue;

/**
 * A CRM write from a node. In a simulation (a test run with `simulate`) nothing is written:
 * the step returns the change it would have made (the node and its resolved params).
 */
function write(ctx: NodeContext<unknown>, run: () => Promise<JsonValue>): Promise<JsonValue> {
  if (ctx.simulate) {
    return Promise.resolve({
      simulated: true,
      node: ctx.node.type,
      change: ctx.params as JsonValue,
    });
  }
  return call(run);
}

/** Parses a due time: epoch ms, an ISO date, or `in` minutes from now. */
function dueAt(
  ctx: NodeContext<unknown>,
  due: string | number | undefined,
  inMinutes: number | undefined,
): number {
  if (typeof due === 'number') return due;
  if (typeof due === 'string') {
    const at = Date.parse(due);
    if (Number.isNaN(at))
      throw new NonRetriableError(`dueAt "${due}" is not an ISO-8601 time`, {
        code: 'INVALID_PARAMS',
      });
    return at;
  }
  return ctx.now().getTime() + (inMinutes ?? 24 * 60) * 60_000;
}

/**
 * The `trigger.entity` node and the `crm.*` action nodes, bound to a CRM service. The server
 * registers them beside the built-in nodes (`createBuiltinRegistry(options, createCrmNodes(...))`),
 * so `@flowstate/nodes` stays free of storage.
 */
export function createCrmNodes(deps: CrmNodeDeps): NodeType<any>[] {
  const { crm } = deps;
  const score = deps.score ? { config: deps.score } : {};
  return [
    entityTrigger,
    defineNode({
      type: 'crm.create-contact',
      name: 'Create contact',
      group: 'action',
      description:
        'Creates a CRM contact, or updates the one with the same email when upsert is on.',
      icon: 'user-plus',
      params: z.object({ fields, upsertByEmail: z.boolean().default(false) }),
      sideEffects: true,
      run: (ctx) =>
        write(ctx, async () => {
          const email = ctx.params.fields['email'];
          if (ctx.params.upsertByEmail && typeof email === 'string') {
            const found = await crm.list('contact', {
              filters: [{ field: 'email', op: 'eq', value: email }],
              sort: { field: 'createdAt', direction: 'asc' },
              limit: 1,
            });
            const existing = found.items[0];
            if (existing)
              return out(
                await crm.update('contact', existing.id, ctx.params.fields, sourceOf(ctx)),
              );
          }
          return out(await crm.create('contact', ctx.params.fields, sourceOf(ctx)));
        }),
    }),
    defineNode({
      type: 'crm.update-contact',
      name: 'Update contact',
      group: 'action',
      description: 'Changes fields of a CRM contact (a changed stage must pass the stage rules).',
      icon: 'user-pen',
      params: z.object({ id, fields }),
      sideEffects: true,
      run: (ctx) =>
        write(ctx, async () =>
          out(await crm.update('contact', ctx.params.id, ctx.params.fields, sourceOf(ctx))),
        ),
    }),
    defineNode({
      type: 'crm.create-deal',
      name: 'Create deal',
      group: 'action',
      description: 'Creates a deal in a pipeline (first stage unless one is given).',
      icon: 'handshake',
      params: z.object({ fields }),
      sideEffects: true,
      run: (ctx) =>
        write(ctx, async () => out(await crm.create('deal', ctx.params.fields, sourceOf(ctx)))),
    }),
    defineNode({
      type: 'crm.move-stage',
      name: 'Move stage',
      group: 'action',
      description:
        "Moves a contact or deal to a stage; the stage's rules are enforced and a refusal fails the step.",
      icon: 'arrow-right',
      params: z.object({ recordType: z.enum(PIPELINE_RECORD_TYPES), id, stage: id }),
      sideEffects: true,
      run: (ctx) =>
        write(ctx, async () =>
          out(
            await crm.update(
              ctx.params.recordType,
              ctx.params.id,
              { stage: ctx.params.stage },
              sourceOf(ctx),
            ),
          ),
        ),
    }),
    defineNode({
      type: 'crm.create-task',
      name: 'Create task',
      group: 'action',
      description: 'Creates a task, due at a time or in some minutes, linked to a record.',
      icon: 'list-todo',
      params: z.object({
        title: z.string().min(1).max(500),
        dueAt: z.union([z.number().int(), z.string()]).optional(),
        dueInMinutes: z.number().min(0).max(525_600).optional(),
        priority: z.number().int().min(1).max(4).default(2),
        assigneeId: id.nullish(),
        recordType: z.enum(RECORD_TYPES).nullish(),
        recordId: id.nullish(),
        notes: z.string().max(20_000).nullish(),
      }),
      sideEffects: true,
      run: (ctx) =>
        write(ctx, async () => {
          const { dueAt: due, dueInMinutes, ...rest } = ctx.params;
          return out(
            await crm.create(
              'task',
              { ...rest, dueAt: dueAt(ctx, due, dueInMinutes) },
              sourceOf(ctx),
            ),
          );
        }),
    }),
    defineNode({
      type: 'crm.log-activity',
      name: 'Log activity',
      group: 'action',
      description:
        "Logs a note, call, email or meeting on a record (a contact's score is recomputed).",
      icon: 'notebook-pen',
      params: z.object({
        kind: z.enum(ACTIVITY_KINDS),
        recordType: z.enum(RECORD_TYPES),
        recordId: id,
        subject: z.string().max(500).nullish(),
        body: z.string().max(50_000).nullish(),
      }),
      sideEffects: true,
      run: (ctx) =>
        write(ctx, async () =>
          out(await logActivity(crm, { activity: ctx.params, ...score, source: sourceOf(ctx) })),
        ),
    }),
    defineNode({
      type: 'crm.assign-owner',
      name: 'Assign owner',
      group: 'action',
      description:
        'Assigns an owner in turn (round robin over users) or by the first matching rule.',
      icon: 'user-check',
      params: z.object({
        recordType: z.enum(['contact', 'company', 'deal', 'task']),
        id,
        strategy: z.enum(['round-robin', 'rule']),
        users: z.array(id).max(500).default([]),
        /** Rules: a JSONata predicate over `$record` (`$record.source = 'ads'`) and the owner. */
        rules: z
          .array(z.object({ when: z.string().min(1).max(2000), ownerId: id }))
          .max(100)
          .default([]),
        fallback: id.optional(),
      }),
      rawParams: ['rules'],
      sideEffects: true,
      run: (ctx) =>
        write(ctx, async () => {
          const p = ctx.params;
          const assign =
            p.strategy === 'round-robin'
              ? {
                  strategy: 'round-robin' as const,
                  users: p.users,
                  counter: `${ctx.execution.workflowId}:${ctx.node.id}`,
                }
              : {
                  strategy: 'rule' as const,
                  rules: p.rules.map((rule) => ({
                    ownerId: rule.ownerId,
                    when: async (record: Record<string, unknown>) => {
                      const value = await ctx.evaluate(rule.when, { record: record as JsonValue });
                      return value !== null && value !== false;
                    },
                  })),
                  ...(p.fallback === undefined ? {} : { fallback: p.fallback }),
                };
          return out(
            await assignOwner(crm, { type: p.recordType, id: p.id, assign, source: sourceOf(ctx) }),
          );
        }),
    }),
    defineNode({
      type: 'crm.get-record',
      name: 'Get record',
      group: 'action',
      description: 'Reads a CRM record as it is now (fails when it does not exist).',
      icon: 'search',
      params: z.object({ recordType: z.enum(RECORD_TYPES), id }),
      // Not pure: it reads state that changes, so its result must be journaled before use.
      sideEffects: true,
      run: (ctx) => call(async () => out(await crm.get(ctx.params.recordType, ctx.params.id))),
    }),
    defineNode({
      type: 'crm.set-score',
      name: 'Set score',
      group: 'action',
      description: "Sets a contact's lead score, or recomputes it with the configured expression.",
      icon: 'gauge',
      params: z.object({ id, score: z.number().optional() }),
      sideEffects: true,
      run: (ctx) =>
        write(ctx, async () =>
          out(
            ctx.params.score === undefined
              ? await scoreContact(crm, { id: ctx.params.id, ...score, source: sourceOf(ctx) })
              : await crm.update(
                  'contact',
                  ctx.params.id,
                  { score: ctx.params.score },
                  sourceOf(ctx),
                ),
          ),
        ),
    }),
  ];
}
