import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { rankNextActions } from './next-best-action.js';

const HOUR = 3_600_000;
const now = Date.parse('2030-01-10T12:00:00Z');

describe('next best actions', () => {
  test('overdue tasks first, then hot leads, due tasks, stalled deals; each with its reason', () => {
    const actions = rankNextActions(
      {
        tasks: [
          { id: 't-soon', title: 'Prepare demo', dueAt: now + 2 * HOUR, priority: 2 },
          { id: 't-late', title: 'Send contract', dueAt: now - 26 * HOUR, priority: 3 },
        ],
        hotLeads: [{ id: 'c1', name: 'Quinn', score: 80, lastActivityAt: now - 72 * HOUR }],
        stalledDeals: [
          {
            id: 'd1',
            name: 'Fleet',
            stage: 'proposal',
            stageChangedAt: now - 20 * 24 * HOUR,
            amount: 5000,
          },
        ],
      },
      now,
    );
    expect(actions.map((a) => [a.kind, a.reason])).toEqual([
      ['overdue-task', 'Overdue by 26 h (priority 3)'],
      ['hot-lead', 'Score 80, last activity 3 days ago'],
      ['due-task', 'Due in 2 h (priority 2)'],
      ['stalled-deal', 'In stage "proposal" for 20 days (amount 5000)'],
    ]);
  });

  test('any overdue task outranks any task not yet due, and the list is sorted and limited', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.uuid(),
            title: fc.string(),
            dueAt: fc.integer({ min: now - 90 * 24 * HOUR, max: now + 24 * HOUR }),
            priority: fc.integer({ min: 1, max: 4 }),
          }),
          { maxLength: 30 },
        ),
        fc.integer({ min: 1, max: 40 }),
        (tasks, limit) => {
          const actions = rankNextActions({ tasks, hotLeads: [], stalledDeals: [] }, now, limit);
          const firstDue = actions.findIndex((a) => a.kind === 'due-task');
          const lastOverdue = actions.map((a) => a.kind).lastIndexOf('overdue-task');
          const sorted = actions.every((a, i) => i === 0 || actions[i - 1]!.priority >= a.priority);
          return (
            actions.length === Math.min(limit, tasks.length) &&
            sorted &&
            (firstDue === -1 || lastOverdue < firstDue)
          );
        },
      ),
    );
  });
});
