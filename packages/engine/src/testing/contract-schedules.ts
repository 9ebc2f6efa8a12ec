import { expect } from 'vitest';
import type { ScheduleSpec, ScheduleTick } from '../schedule-store.js';
import type { Store } from '../store.js';
import type { ContractContext } from './store-contract.js';
import {
  commitOne,
  makeExecution,
  makeStep,
  seedWorkflow,
  T0,
  workflowDefinition,
  WORKFLOW_ID,
} from './store-fixtures.js';

const MINUTE = 60_000;
const ID = `${WORKFLOW_ID}/tick`;

function spec(overrides: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return {
    triggerNodeId: 'tick',
    cron: '* * * * *',
    timezone: 'UTC',
    catchUp: 'skip',
    catchUpLimit: 10,
    nextRunAt: T0 + MINUTE,
    ...overrides,
  };
}

async function seedSchedule(store: Store, overrides: Partial<ScheduleSpec> = {}) {
  await seedWorkflow(store);
  const [row] = await store.syncSchedules({
    workflowId: WORKFLOW_ID,
    version: 1,
    schedules: [spec(overrides)],
    now: T0,
  });
  return row!;
}

function tick(overrides: Partial<ScheduleTick> = {}): ScheduleTick {
  return {
    scheduleId: ID,
    owner: 's1',
    expectVersion: 1,
    expectNextRunAt: T0 + MINUTE,
    nextRunAt: T0 + 2 * MINUTE,
    release: true,
    ...overrides,
  };
}

/** The fired tick's execution: finished at once, like a schedule running pure nodes. */
function tickExecution(id: string) {
  return {
    expectSeq: 'new' as const,
    execution: makeExecution(id, { status: 'succeeded', finishedAt: T0 + MINUTE }),
    steps: [{ step: makeStep(id, 'tick', { status: 'succeeded', runAt: undefined }) }],
  };
}

/** Schedules (`ScheduleStore`), dedupe keys and schedule ticks in `commit`. */
export function scheduleCases({ it }: ContractContext): void {
  it('schedules: sync inserts, keeps unchanged rows, rewrites changed ones and deletes missing ones', async (store) => {
    const first = await seedSchedule(store);
    expect(first).toMatchObject({
      id: ID,
      workflowId: WORKFLOW_ID,
      version: 1,
      nextRunAt: T0 + MINUTE,
    });
    await store.claimDueSchedules({ owner: 's1', now: T0 + MINUTE, leaseMs: 1000, limit: 10 });
    // Same spec, new proposed next run: nothing changes, not even the lease.
    const [same] = await store.syncSchedules({
      workflowId: WORKFLOW_ID,
      version: 1,
      schedules: [spec({ nextRunAt: T0 + 9 * MINUTE })],
      now: T0 + 1,
    });
    expect(same).toMatchObject({ nextRunAt: T0 + MINUTE, leaseOwner: 's1' });
    // New version, same cron: next run kept, lease dropped.
    const [bumped] = await store.syncSchedules({
      workflowId: WORKFLOW_ID,
      version: 2,
      schedules: [spec({ nextRunAt: T0 + 9 * MINUTE })],
      now: T0 + 2,
    });
    expect(bumped).toMatchObject({ version: 2, nextRunAt: T0 + MINUTE });
    expect(bumped).not.toHaveProperty('leaseOwner');
    // New cron: next run replaced.
    const [edited] = await store.syncSchedules({
      workflowId: WORKFLOW_ID,
      version: 3,
      schedules: [spec({ cron: '*/5 * * * *', nextRunAt: T0 + 5 * MINUTE })],
      now: T0 + 3,
    });
    expect(edited).toMatchObject({ cron: '*/5 * * * *', version: 3, nextRunAt: T0 + 5 * MINUTE });
    expect(await store.listSchedules({ workflowId: WORKFLOW_ID })).toEqual([edited]);
    await store.syncSchedules({ workflowId: WORKFLOW_ID, version: 3, schedules: [], now: T0 + 4 });
    expect(await store.listSchedules()).toEqual([]);
  });

  it('schedules: a due schedule is claimed by one owner until its lease expires', async (store) => {
    await seedSchedule(store);
    const claim = (owner: string, now: number) =>
      store.claimDueSchedules({ owner, now, leaseMs: 1000, limit: 10 });
    expect(await claim('s1', T0)).toEqual([]);
    expect(await store.nextScheduleDueAt()).toBe(T0 + MINUTE);
    const [claimed] = await claim('s1', T0 + MINUTE);
    expect(claimed).toMatchObject({ leaseOwner: 's1', leaseExpiresAt: T0 + MINUTE + 1000 });
    expect(await claim('s2', T0 + MINUTE + 999)).toEqual([]);
    expect(await store.nextScheduleDueAt()).toBe(T0 + MINUTE + 1000);
    expect(await claim('s2', T0 + MINUTE + 1000)).toMatchObject([{ leaseOwner: 's2' }]);
    await store.releaseScheduleLeases('s2');
    expect(await claim('s3', T0 + MINUTE + 1001)).toMatchObject([{ leaseOwner: 's3' }]);
  });

  it('schedules: advance is fenced on lease owner, version and next run', async (store) => {
    await seedSchedule(store);
    await store.claimDueSchedules({ owner: 's1', now: T0 + MINUTE, leaseMs: 1000, limit: 1 });
    const fence = { scheduleId: ID, owner: 's1', expectVersion: 1, expectNextRunAt: T0 + MINUTE };
    const now = T0 + MINUTE;
    expect(await store.advanceSchedule({ ...fence, owner: 's2', nextRunAt: T0, now })).toBe(false);
    expect(await store.advanceSchedule({ ...fence, expectVersion: 2, nextRunAt: T0, now })).toBe(
      false,
    );
    const kept = { ...fence, nextRunAt: T0 + 2 * MINUTE, now, release: false };
    expect(await store.advanceSchedule(kept)).toBe(true);
    expect(await store.listSchedules()).toMatchObject([{ leaseOwner: 's1' }]);
    const moved = { ...fence, expectNextRunAt: T0 + 2 * MINUTE };
    expect(await store.advanceSchedule({ ...moved, nextRunAt: T0 + 2 * MINUTE, now })).toBe(true);
    const [row] = await store.listSchedules();
    expect(row).toMatchObject({ nextRunAt: T0 + 2 * MINUTE });
    expect(row).not.toHaveProperty('leaseOwner');
    expect(await store.advanceSchedule({ ...fence, nextRunAt: T0 + 3 * MINUTE, now })).toBe(false);
  });

  it('commit: a schedule tick inserts the execution and advances the schedule atomically', async (store) => {
    await seedSchedule(store);
    await store.claimDueSchedules({ owner: 's1', now: T0 + MINUTE, leaseMs: 1000, limit: 1 });
    const outcome = await commitOne(store, {
      ...tickExecution('e1'),
      dedupeKey: `schedule:${ID}:${T0 + MINUTE}`,
      scheduleTick: tick(),
    });
    expect(outcome).toEqual({ status: 'ok', seq: 1 });
    const [row] = await store.listSchedules();
    expect(row).toMatchObject({ nextRunAt: T0 + 2 * MINUTE });
    expect(row).not.toHaveProperty('leaseOwner');
    // The same fence again (a second scheduler that saw the old row) is refused.
    expect(await commitOne(store, { ...tickExecution('e2'), scheduleTick: tick() })).toEqual({
      status: 'schedule-changed',
      scheduleId: ID,
    });
    expect(await store.getExecution('e2')).toBeUndefined();
  });

  it('commit: a tick of a schedule that was edited or removed after its claim writes nothing', async (store) => {
    await seedSchedule(store);
    await store.claimDueSchedules({ owner: 's1', now: T0 + MINUTE, leaseMs: 1000, limit: 1 });
    await store.syncSchedules({
      workflowId: WORKFLOW_ID,
      version: 2,
      schedules: [spec({ cron: '*/5 * * * *', nextRunAt: T0 + 5 * MINUTE })],
      now: T0 + MINUTE,
    });
    expect(await commitOne(store, { ...tickExecution('e1'), scheduleTick: tick() })).toEqual({
      status: 'schedule-changed',
      scheduleId: ID,
    });
    expect(await store.getExecution('e1')).toBeUndefined();
    expect(await store.listSchedules()).toMatchObject([{ nextRunAt: T0 + 5 * MINUTE }]);
  });

  it('commit: a tick of a workflow deactivated or published anew since its claim writes nothing', async (store) => {
    await seedSchedule(store);
    await store.claimDueSchedules({ owner: 's1', now: T0 + MINUTE, leaseMs: 1000, limit: 1 });
    await store.setWorkflowActive({ workflowId: WORKFLOW_ID, active: false, now: T0 });
    const refused = { status: 'schedule-changed', scheduleId: ID };
    expect(await commitOne(store, { ...tickExecution('e1'), scheduleTick: tick() })).toEqual(
      refused,
    );
    await store.setWorkflowActive({ workflowId: WORKFLOW_ID, active: true, now: T0 });
    await store.saveWorkflowVersion({
      workflowId: WORKFLOW_ID,
      definition: workflowDefinition('Edited'),
      now: T0,
    });
    // A saved draft changes nothing that runs: the tick of the published version still fires.
    expect(await commitOne(store, { ...tickExecution('e0'), scheduleTick: tick() })).toEqual({
      status: 'ok',
      seq: 1,
    });
    await store.publishWorkflowVersion({ workflowId: WORKFLOW_ID, version: 2, now: T0 });
    expect(
      await commitOne(store, {
        ...tickExecution('e1'),
        scheduleTick: tick({ expectNextRunAt: T0 + 2 * MINUTE, nextRunAt: T0 + 3 * MINUTE }),
      }),
    ).toEqual(refused);
    expect(await store.getExecution('e1')).toBeUndefined();
    expect(await store.listSchedules()).toMatchObject([{ nextRunAt: T0 + 2 * MINUTE }]);
  });

  it('commit: a second execution with the same dedupe key is refused and names the first', async (store) => {
    await seedWorkflow(store);
    const key = 'schedule:wf/tick:1700000060000';
    const running = (id: string) => ({
      expectSeq: 'new' as const,
      execution: makeExecution(id),
      steps: [{ step: makeStep(id, 'a') }],
      dedupeKey: key,
    });
    expect(await commitOne(store, running('e1'))).toEqual({ status: 'ok', seq: 1 });
    expect(await commitOne(store, running('e2'))).toEqual({
      status: 'duplicate',
      executionId: 'e1',
    });
    expect(await commitOne(store, { ...tickExecution('e3'), dedupeKey: key })).toEqual({
      status: 'duplicate',
      executionId: 'e1',
    });
    // In one batch: the first wins, the second is refused, others are unaffected.
    const outcomes = await store.commit([
      { ...running('e4'), dedupeKey: 'k2' },
      { ...running('e5'), dedupeKey: 'k2' },
      { ...running('e6'), dedupeKey: undefined },
    ]);
    expect(outcomes).toEqual([
      { status: 'ok', seq: 1 },
      { status: 'duplicate', executionId: 'e4' },
      { status: 'ok', seq: 1 },
    ]);
    expect(await store.getExecution('e5')).toBeUndefined();
  });

  it('schedules: deleting the workflow deletes its schedules', async (store) => {
    await seedSchedule(store);
    await store.deleteWorkflow(WORKFLOW_ID);
    expect(await store.listSchedules()).toEqual([]);
    expect(await store.nextScheduleDueAt()).toBeUndefined();
  });
}
