import { defineNode } from '@flowstate/sdk';
import { afterEach, expect, test } from 'vitest';
import { z } from 'zod';
import type { EngineOptions } from '@flowstate/engine';
import { makeEngine, waitForEnd, workflow, type TestEngine } from '../helpers.js';

/** A side effect that holds its step (and lease) until the test lets it finish. */
let release: () => void = () => undefined;
let entered = false;
let aborted = false;
const held = defineNode({
  type: 'test.held',
  name: 'Held',
  group: 'action',
  description: 'runs until released',
  params: z.object({}),
  ports: ['out'],
  sideEffects: true,
  async run(ctx) {
    entered = true;
    ctx.signal.addEventListener('abort', () => (aborted = true));
    await new Promise<void>((resolve) => (release = resolve));
    return { done: true };
  },
});

let t: TestEngine | undefined;
afterEach(async () => {
  entered = false;
  aborted = false;
  release();
  await t?.close();
  t = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An engine with 600 ms leases running one execution whose held step has started. */
async function startHeld(options: Partial<EngineOptions> = {}) {
  t = await makeEngine({ extraNodes: [held], leaseMs: 600, pollIntervalMs: 50, ...options });
  const id = await t.deploy(
    workflow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'hold', type: 'test.held' },
      ],
      ['start->hold'],
    ),
  );
  const handle = await t.engine.startExecution({ workflowId: id, input: {} });
  for (let i = 0; i < 100 && !entered; i++) await sleep(20);
  expect(entered).toBe(true);
  return { t, handle };
}

test('a worker that cannot renew its leases for half a lease stops claiming until it can', async () => {
  const { t, handle } = await startHeld();

  // The store stops answering lease renewals (as when the database is unreachable).
  const store = t.store;
  const renew = store.renewLeases.bind(store);
  const claim = store.claimSteps.bind(store);
  let outage = true;
  let claims = 0;
  store.renewLeases = async (input) => {
    if (outage) throw new Error('connection refused');
    return renew(input);
  };
  store.claimSteps = async (input) => {
    claims += 1;
    return claim(input);
  };

  // Renewals are tried every leaseMs / 3; after half a lease of failures, claiming pauses.
  for (let i = 0; i < 100 && !t.engine.workers.claimsPaused; i++) await sleep(20);
  expect(t.engine.workers.claimsPaused).toBe(true);
  const whilePaused = claims;
  await sleep(500); // ten poll intervals
  expect(claims).toBe(whilePaused);

  // The store answers again: the next renewal resumes claiming.
  outage = false;
  for (let i = 0; i < 100 && t.engine.workers.claimsPaused; i++) await sleep(20);
  expect(t.engine.workers.claimsPaused).toBe(false);
  await sleep(200);
  expect(claims).toBeGreaterThan(whilePaused);

  // Nothing was lost or done twice: the held step finishes and is recorded once.
  release();
  const done = await waitForEnd(t.engine, handle.executionId);
  expect(done.status).toBe('succeeded');
  expect(done.output).toEqual({ done: true });
});

test('a worker whose step was taken by another worker drops the execution once and aborts the attempt', async () => {
  const warnings: string[] = [];
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_: Record<string, unknown>, msg?: string) => void warnings.push(msg ?? ''),
    error: () => undefined,
  };
  const { t, handle } = await startHeld({ logger });

  // This worker claims nothing more; "w2" takes the step once its lease is expired, as a
  // worker does after this one stalled past its lease.
  const store = t.store;
  const me = t.engine.workerId;
  const claim = store.claimSteps.bind(store);
  store.claimSteps = async (input) => (input.owner === me ? [] : claim(input));
  let taken: Awaited<ReturnType<typeof claim>> = [];
  for (let i = 0; i < 20 && taken.length === 0; i++) {
    await store.expireLeases({ exceptOwner: 'w2', now: Date.now() });
    taken = await store.claimSteps({ owner: 'w2', now: Date.now(), leaseMs: 60_000, limit: 10 });
  }
  expect(taken.map((c) => c.step.key)).toEqual(['hold']);

  // The next renewal finds the lease gone: the attempt is aborted, the run leaves memory.
  for (let i = 0; i < 100 && t.engine.runs.has(handle.executionId); i++) await sleep(20);
  expect(t.engine.runs.has(handle.executionId)).toBe(false);
  expect(aborted).toBe(true);
  await sleep(600); // three more renewals: nothing left to renew, nothing warned again
  expect(warnings.filter((w) => w.startsWith('step leases were lost'))).toHaveLength(1);

  // The attempt ending now changes nothing: the step is w2's.
  release();
  await sleep(200);
  expect((await store.loadExecution(handle.executionId))?.steps).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ key: 'hold', status: 'running', leaseOwner: 'w2', attempt: 2 }),
    ]),
  );
});
