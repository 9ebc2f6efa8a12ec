import { describe, expect, test } from 'vitest';
import { OutcomeWaiters, type ExecutionOutcome } from './outcomes.js';

const response: ExecutionOutcome = { kind: 'response', response: { status: 200, body: 'ok' } };

describe('OutcomeWaiters', () => {
  test('without polling, only notify settles a waiter', async () => {
    const waiters = new OutcomeWaiters();
    expect(await waiters.waitAtMost('e1', 30)).toBeUndefined();
    const waiting = waiters.wait('e1');
    waiters.notify('e1', response);
    expect(await waiting).toEqual(response);
  });

  test('with polling, an outcome committed elsewhere settles every waiter with one read loop', async () => {
    let reads = 0;
    const stored: { outcome?: ExecutionOutcome } = {};
    const waiters = new OutcomeWaiters({
      maxIntervalMs: 20,
      read: async () => {
        reads += 1;
        return stored.outcome;
      },
    });
    const first = waiters.waitAtMost('e1', 5000);
    const second = waiters.wait('e1');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const readsWhileUnsettled = reads;
    expect(readsWhileUnsettled).toBeGreaterThan(1);
    expect(readsWhileUnsettled).toBeLessThan(12); // one loop, not one per waiter
    stored.outcome = response;
    expect(await first).toEqual(response);
    expect(await second).toEqual(response);
  });

  test('reading stops once nobody waits, and a failing read is retried', async () => {
    let reads = 0;
    const waiters = new OutcomeWaiters({
      maxIntervalMs: 10,
      read: async () => {
        reads += 1;
        throw new Error('database unreachable');
      },
    });
    expect(await waiters.waitAtMost('e1', 60)).toBeUndefined();
    const after = reads;
    expect(after).toBeGreaterThan(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reads).toBeLessThanOrEqual(after + 1);
  });

  test('recheck reads at once an execution that has waiters, and ignores the others', async () => {
    let reads = 0;
    const stored: { outcome?: ExecutionOutcome } = {};
    const waiters = new OutcomeWaiters({
      maxIntervalMs: 60_000,
      firstIntervalMs: 60_000,
      read: async (id) => {
        reads += 1;
        return id === 'e1' ? stored.outcome : undefined;
      },
    });
    const waiting = waiters.waitAtMost('e1', 5000);
    waiters.recheck(['e2']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads).toBe(0);
    stored.outcome = response;
    waiters.recheck(['e2', 'e1']);
    expect(await waiting).toEqual(response);
    expect(reads).toBe(1);
  });
});
