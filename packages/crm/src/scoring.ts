import { evaluateExpression, type JsonValue } from '@flowstate/core';
import { CrmError } from './errors.js';

/**
 * The default lead score: profile completeness, the stated motivation, and engagement (each
 * logged email, call and meeting; recent activity counts again), capped at 100.
 */
export const DEFAULT_SCORE_EXPRESSION = `$min([100,
  (contact.email ? 10 : 0) + (contact.phone ? 10 : 0) + (contact.custom.motivation ? 20 : 0)
  + 5 * $count(activities[kind = 'email']) + 10 * $count(activities[kind = 'call'])
  + 20 * $count(activities[kind = 'meeting']) + 5 * $count(activities[occurredAt >= $recentSince])
])`;

/** What a score expression sees: `contact`, its `activities` and open `tasks`; `$recentSince`. */
export interface ScoreInput {
  contact: Record<string, unknown>;
  activities: readonly Record<string, unknown>[];
  tasks: readonly Record<string, unknown>[];
  now: number;
}

/** A week: activity newer than this counts as recent. */
export const RECENT_MS = 7 * 24 * 3_600_000;

/**
 * Evaluates a lead-score expression (JSONata) over a contact, its activities and tasks. The
 * result is rounded to 2 decimals; anything but a finite number fails with
 * `INVALID_SCORE_EXPRESSION`, as does an expression that does not parse or run.
 *
 * @example
 * await computeScore("$count(activities) * 10", { contact, activities, tasks: [], now });
 */
export async function computeScore(expression: string, input: ScoreInput): Promise<number> {
  const data = {
    contact: input.contact,
    activities: input.activities,
    tasks: input.tasks,
  } as unknown as JsonValue;
  let value: JsonValue;
  try {
    value = await evaluateExpression(
      expression,
      {
        trigger: null,
        steps: {},
        input: data,
        vars: {},
        execution: { id: 'crm-score', workflowId: 'crm' },
        now: new Date(input.now).toISOString(),
      },
      { bindings: { recentSince: input.now - RECENT_MS }, path: '/scoring/expression' },
    );
  } catch (error) {
    throw new CrmError(
      'INVALID_SCORE_EXPRESSION',
      `The score expression failed: ${(error as Error).message}`,
      {
        cause: error,
        details: [{ path: '/expression', message: (error as Error).message }],
      },
    );
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CrmError(
      'INVALID_SCORE_EXPRESSION',
      `The score expression must give a number, got ${JSON.stringify(value)}`,
      {
        details: [{ path: '/expression', message: 'must evaluate to a finite number' }],
      },
    );
  }
  return Math.round(value * 100) / 100;
}
