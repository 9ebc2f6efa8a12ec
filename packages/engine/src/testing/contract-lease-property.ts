import fc from 'fast-check';
import { expect } from 'vitest';
import type { StepRecord, StepStatus, Store } from '../store.js';
import type { ContractContext } from './store-contract.js';
import {
  commitOne,
  insertExecution,
  makeExecution,
  makeStep,
  seedWorkflow,
  T0,
} from './store-fixtures.js';

type Action =
  | { kind: 'claim'; owner: string; limit: number; leaseMs: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'complete'; owner: string; step: number }
  | { kind: 'renew'; owner: string; ms: number }
  | { kind: 'release'; owner: string }
  | { kind: 'expire'; except: string };

interface ModelStep {
  status: StepStatus;
  attempt: number;
  runAt: number | undefined;
  owner: string | undefined;
  expiresAt: number | undefined;
}

const OWNERS = ['a', 'b', 'c'];
const KEYS = ['s0', 's1', 's2', 's3', 's4'];
const FINAL = new Set<StepStatus>(['succeeded', 'failed', 'skipped', 'cancelled']);

const owner = fc.constantFrom(...OWNERS);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('claim' as const),
    owner,
    limit: fc.integer({ min: 1, max: 3 }),
    leaseMs: fc.integer({ min: 1, max: 500 }),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }),
  fc.record({
    kind: fc.constant('complete' as const),
    owner,
    step: fc.integer({ min: 0, max: KEYS.length - 1 }),
  }),
  fc.record({ kind: fc.constant('renew' as const), owner, ms: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ kind: fc.constant('release' as const), owner }),
  fc.record({ kind: fc.constant('expire' as const), except: owner }),
);

const initialSteps = (): StepRecord[] => [
  makeStep('e1', 's0', { runAt: T0 }),
  makeStep('e1', 's1', { runAt: T0 + 100 }),
  makeStep('e1', 's2', { runAt: T0 + 300 }),
  makeStep('e1', 's3', { status: 'waiting', runAt: T0 + 250 }),
  makeStep('e1', 's4', { status: 'waiting', runAt: undefined }),
];

const leaseFree = (step: ModelStep, now: number): boolean =>
  step.owner === undefined || (step.expiresAt ?? 0) <= now;

function claimable(step: ModelStep, now: number): boolean {
  if (FINAL.has(step.status) || !leaseFree(step, now)) return false;
  if (step.status === 'running') return true;
  return step.runAt !== undefined && step.runAt <= now;
}

/** Runs `actions` against a fresh store and a model, checking the store agrees at each step. */
async function runScenario(store: Store, actions: readonly Action[]): Promise<void> {
  await seedWorkflow(store);
  await insertExecution(store, makeExecution('e1'), initialSteps());
  const model = new Map<string, ModelStep>(
    initialSteps().map((s) => [
      s.key,
      { status: s.status, attempt: 0, runAt: s.runAt, owner: undefined, expiresAt: undefined },
    ]),
  );
  const held = new Map<string, Map<string, StepRecord>>(OWNERS.map((o) => [o, new Map()]));
  let now = T0;
  for (const act of actions) {
    if (act.kind === 'advance') {
      now += act.ms;
    } else if (act.kind === 'claim') {
      const expected = Math.min(
        act.limit,
        [...model.values()].filter((s) => claimable(s, now)).length,
      );
      const claimed = await store.claimSteps({
        owner: act.owner,
        now,
        leaseMs: act.leaseMs,
        limit: act.limit,
      });
      expect(claimed).toHaveLength(expected);
      for (const { step, previousStatus } of claimed) {
        const m = model.get(step.key)!;
        // The heart of the contract: never hand out a step someone else still holds.
        expect(claimable(m, now), `claimed ${step.key} while it was not claimable`).toBe(true);
        expect(previousStatus).toBe(m.status);
        if (m.status !== 'waiting') m.attempt += 1;
        if (m.status === 'ready') m.status = 'running';
        m.owner = act.owner;
        m.expiresAt = now + act.leaseMs;
        held.get(act.owner)!.set(step.key, step);
      }
    } else if (act.kind === 'complete') {
      const key = KEYS[act.step]!;
      const snapshot = held.get(act.owner)!.get(key);
      if (snapshot === undefined) continue;
      const m = model.get(key)!;
      const execution = (await store.getExecution('e1'))!;
      const outcome = await commitOne(store, {
        expectSeq: execution.seq,
        execution,
        steps: [
          {
            step: { ...snapshot, status: 'succeeded', output: act.owner },
            expectLeaseOwner: act.owner,
          },
        ],
      });
      if (m.owner === act.owner && !FINAL.has(m.status)) {
        expect(outcome.status).toBe('ok');
        m.status = 'succeeded';
        m.expiresAt = snapshot.leaseExpiresAt;
      } else {
        expect(outcome).toEqual({ status: 'fenced', stepKey: key });
      }
    } else if (act.kind === 'renew') {
      const mine = [...model.entries()].filter(
        ([, s]) => s.owner === act.owner && !FINAL.has(s.status),
      );
      const refs = [...held.get(act.owner)!.keys()].map((key) => ({ executionId: 'e1', key }));
      const renewed = await store.renewLeases({
        owner: act.owner,
        steps: refs,
        leaseExpiresAt: now + act.ms,
      });
      expect(renewed.map((ref) => ref.key).sort()).toEqual(mine.map(([key]) => key).sort());
      for (const [, s] of mine) s.expiresAt = now + act.ms;
    } else if (act.kind === 'release') {
      await store.releaseLeases(act.owner);
      for (const s of model.values()) {
        if (s.owner === act.owner) {
          s.owner = undefined;
          s.expiresAt = undefined;
        }
      }
    } else {
      const expiring = [...model.values()].filter(
        (s) =>
          s.owner !== undefined &&
          s.owner !== act.except &&
          !FINAL.has(s.status) &&
          (s.expiresAt ?? 0) > now,
      );
      expect(await store.expireLeases({ exceptOwner: act.except, now })).toBe(expiring.length);
      for (const s of expiring) s.expiresAt = now;
    }
    const stored = (await store.loadExecution('e1'))!.steps;
    for (const step of stored) {
      const m = model.get(step.key)!;
      // A final step is never un-finalized, and each step has exactly the lease owner the model says.
      expect({
        key: step.key,
        status: step.status,
        attempt: step.attempt,
        owner: step.leaseOwner,
      }).toEqual({
        key: step.key,
        status: m.status,
        attempt: m.attempt,
        owner: m.owner,
      });
    }
  }
}

/** fast-check: random interleavings of claim/commit/renew/release/expire against a model. */
export function leasePropertyCases({ it, makeStore, propertyRuns }: ContractContext): void {
  // Registered through `it` so it can be skipped by name; each run gets its own fresh store.
  it('property: a step never has two live lease owners and a final step stays final', async (first) => {
    await runScenario(first, [{ kind: 'claim', owner: 'a', limit: 3, leaseMs: 100 }]);
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 40 }), async (actions) => {
        const { store, cleanup } = await makeStore();
        try {
          await runScenario(store, actions);
        } finally {
          await cleanup();
        }
      }),
      { numRuns: propertyRuns },
    );
  });
}
