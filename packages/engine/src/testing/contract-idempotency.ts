import { expect } from 'vitest';
import type { ContractContext } from './store-contract.js';
import { T0 } from './store-fixtures.js';

const DAY = 86_400_000;
const base = { scope: 'events', key: 'k1', requestHash: 'h1', ttlMs: DAY };

/** Idempotency keys (`IdempotencyStore`). */
export function idempotencyCases({ it }: ContractContext): void {
  it('idempotency: the first claim wins; repeats see the pending, then the done record', async (store) => {
    const first = await store.claimIdempotencyKey({ ...base, now: T0, staleBefore: T0 - 1 });
    expect(first).toEqual({
      claimed: true,
      record: {
        scope: 'events',
        key: 'k1',
        requestHash: 'h1',
        state: 'pending',
        createdAt: T0,
        updatedAt: T0,
        expiresAt: T0 + DAY,
      },
    });
    const again = await store.claimIdempotencyKey({ ...base, now: T0 + 1, staleBefore: T0 - 1 });
    expect(again).toMatchObject({ claimed: false, record: { state: 'pending' } });
    await store.completeIdempotencyKey({ ...base, response: { started: ['e1'] }, now: T0 + 2 });
    const done = await store.claimIdempotencyKey({
      ...base,
      requestHash: 'other',
      now: T0 + 3,
      staleBefore: T0 + 3,
    });
    expect(done).toMatchObject({
      claimed: false,
      record: { state: 'done', requestHash: 'h1', response: { started: ['e1'] } },
    });
    // Keys are per scope.
    const elsewhere = await store.claimIdempotencyKey({
      ...base,
      scope: 'other',
      now: T0,
      staleBefore: T0,
    });
    expect(elsewhere.claimed).toBe(true);
  });

  it('idempotency: a stale pending claim is taken over by the same request only', async (store) => {
    await store.claimIdempotencyKey({ ...base, now: T0, staleBefore: T0 - 1 });
    const other = await store.claimIdempotencyKey({
      ...base,
      requestHash: 'h2',
      now: T0 + 100,
      staleBefore: T0 + 50,
    });
    expect(other.claimed).toBe(false);
    const same = await store.claimIdempotencyKey({ ...base, now: T0 + 100, staleBefore: T0 + 50 });
    expect(same).toMatchObject({ claimed: true, record: { createdAt: T0, updatedAt: T0 + 100 } });
  });

  it('idempotency: expired keys are replaced and pruned; released claims are taken over at once', async (store) => {
    await store.claimIdempotencyKey({ ...base, now: T0, staleBefore: T0 });
    await store.completeIdempotencyKey({ ...base, response: 1, now: T0 });
    const later = await store.claimIdempotencyKey({
      ...base,
      requestHash: 'h2',
      now: T0 + DAY,
      staleBefore: T0 + DAY,
    });
    expect(later).toMatchObject({
      claimed: true,
      record: { requestHash: 'h2', createdAt: T0 + DAY },
    });
    const retry = { ...base, requestHash: 'h2', now: T0 + DAY + 1, staleBefore: T0 };
    expect((await store.claimIdempotencyKey(retry)).claimed).toBe(false);
    await store.releaseIdempotencyKey(base);
    expect(await store.claimIdempotencyKey(retry)).toMatchObject({
      claimed: true,
      record: { createdAt: T0 + DAY },
    });
    // A done record is not released.
    await store.completeIdempotencyKey({ ...base, response: 2, now: T0 + DAY + 2 });
    await store.releaseIdempotencyKey(base);
    expect((await store.claimIdempotencyKey(retry)).record.state).toBe('done');
    await store.claimIdempotencyKey({ ...base, key: 'k2', now: T0, staleBefore: 0 });
    expect(await store.pruneIdempotencyKeys({ now: T0 + DAY, limit: 10 })).toBe(1);
    expect(await store.pruneIdempotencyKeys({ now: T0 + DAY, limit: 10 })).toBe(0);
  });
}
