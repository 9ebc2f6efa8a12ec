import { afterEach, describe, expect, test } from 'vitest';
import type { Workflow } from '@flowstate/core';
import { Engine, type ExecutionRecord } from '@flowstate/engine';
import { Scheduler } from '../schedules/scheduler.js';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, set } from '../testing/workflows.js';

const MIN = 60_000;
const T0 = Date.parse('2030-01-01T10:00:30Z');
const at = (hhmmss: string) => Date.parse(`2030-01-01T${hhmmss}Z`);

let fixture: ServerFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** A server whose engine runs on a clock the test moves, with no scheduler of its own. */
async function setup() {
  const clock = { t: T0, now: () => clock.t };
  fixture = await makeServer({ scheduler: false, engine: { clock } });
  const f = fixture;
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
    const res = await f.inject({
      method,
      url: `/api/v1${url}`,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.json() };
  };
  const scheduler = (owner: string, engine: Engine = f.engine, leaseMs = 30_000) =>
    new Scheduler({ engine, store: f.store, clock, owner, leaseMs });
  const executions = async (workflowId: string): Promise<ExecutionRecord[]> =>
    (await f.store.listExecutions({ workflowId, limit: 1000 })).reverse();
  const scheduledAt = async (workflowId: string) =>
    (await executions(workflowId))
      .map((e) => (e.input as { scheduledAt: string }).scheduledAt)
      .sort();
  return { clock, call, scheduler, executions, scheduledAt, f };
}

function scheduled(name: string, params: Record<string, unknown>): Workflow {
  return chain(name, [
    { id: 'tick', type: 'trigger.schedule', name: 'Tick', params },
    set('work', { done: true }),
  ]);
}

describe('schedules', () => {
  test('two schedulers racing on one store fire every tick exactly once', async () => {
    const t = await setup();
    await t.call('POST', '/workflows?active=true', {
      id: 'w',
      ...scheduled('W', { cron: '* * * * *' }),
    });
    // A second engine and scheduler on the same store; leases of 0 ms let both claim the
    // same row at the same instant, so only the fence decides who fires.
    const other = new Engine({ store: t.f.store, registry: t.f.engine.registry, clock: t.clock });
    const a = t.scheduler('a', t.f.engine, 0);
    const b = t.scheduler('b', other, 0);
    for (let minute = 1; minute <= 10; minute++) {
      t.clock.t = at('10:00:00') + minute * MIN + 500;
      await Promise.all([a.runDue(), b.runDue(), a.runDue(), b.runDue()]);
    }
    const ticks = await t.scheduledAt('w');
    expect(ticks).toHaveLength(10);
    expect(new Set(ticks).size).toBe(10);
    expect(ticks[0]).toBe('2030-01-01T10:01:00.000Z');
    expect(ticks[9]).toBe('2030-01-01T10:10:00.000Z');
  });

  test('a tick whose execution exists already (dedupe key) is not fired again', async () => {
    const t = await setup();
    await t.call('POST', '/workflows?active=true', {
      id: 'w',
      ...scheduled('W', { cron: '* * * * *' }),
    });
    // As if a scheduler had fired 10:01 and died before its schedule moved on.
    const first = await t.f.engine.startExecution({
      workflowId: 'w',
      input: { scheduledAt: '2030-01-01T10:01:00.000Z' },
      dedupeKey: `schedule:w/tick:${at('10:01:00')}`,
    });
    t.clock.t = at('10:01:01');
    expect(await t.scheduler('s').runDue()).toBe(0);
    expect((await t.executions('w')).map((e) => e.id)).toEqual([first.executionId]);
    const { body } = await t.call('GET', '/workflows/w/schedules');
    expect(body.items).toMatchObject([{ nextRunAt: at('10:02:00') }]);
    const again = await t.f.engine.startExecution({
      workflowId: 'w',
      input: null,
      dedupeKey: `schedule:w/tick:${at('10:01:00')}`,
    });
    expect(again).toMatchObject({ executionId: first.executionId, duplicate: true });
  });

  test('after downtime, missed ticks follow the catch-up policy', async () => {
    const t = await setup();
    const hourly = (catchUp: string) => ({ cron: '0 * * * *', catchUp, catchUpLimit: 3 });
    for (const policy of ['skip', 'once', 'all']) {
      await t.call('POST', '/workflows?active=true', {
        id: policy,
        ...scheduled(policy, hourly(policy)),
      });
    }
    const scheduler = t.scheduler('s');
    t.clock.t = at('14:30:00'); // down from 10:00:30: the 11:00 to 14:00 ticks were missed
    expect(await scheduler.runDue()).toBe(4);
    expect(await t.scheduledAt('skip')).toEqual([]);
    expect(await t.scheduledAt('once')).toEqual(['2030-01-01T14:00:00.000Z']);
    expect(await t.scheduledAt('all')).toEqual([
      '2030-01-01T12:00:00.000Z',
      '2030-01-01T13:00:00.000Z',
      '2030-01-01T14:00:00.000Z',
    ]);
    expect((await t.executions('once'))[0]!.input).toMatchObject({
      firedAt: '2030-01-01T14:30:00.000Z',
      late: true,
      cron: '0 * * * *',
      timezone: 'UTC',
    });
    const { body } = await t.call('GET', '/schedules');
    expect(body.items.map((s: { nextRunAt: number }) => s.nextRunAt)).toEqual([
      at('15:00:00'),
      at('15:00:00'),
      at('15:00:00'),
    ]);
    t.clock.t = at('15:00:01');
    expect(await scheduler.runDue()).toBe(3);
    expect((await t.scheduledAt('skip')).at(-1)).toBe('2030-01-01T15:00:00.000Z');
  });

  test('deactivating a workflow stops its schedule; reactivating starts from now', async () => {
    const t = await setup();
    await t.call('POST', '/workflows?active=true', {
      id: 'w',
      ...scheduled('W', { cron: '* * * * *', catchUp: 'all' }),
    });
    const scheduler = t.scheduler('s');
    t.clock.t = at('10:01:01');
    expect(await scheduler.runDue()).toBe(1);
    expect((await t.call('POST', '/workflows/w/deactivate')).status).toBe(200);
    expect((await t.call('GET', '/workflows/w/schedules')).body).toEqual({ items: [] });
    for (const time of ['10:02:01', '10:03:01', '10:10:01']) {
      t.clock.t = at(time);
      expect(await scheduler.runDue()).toBe(0);
    }
    await t.call('POST', '/workflows/w/activate');
    const { body } = await t.call('GET', '/workflows/w/schedules');
    expect(body.items).toMatchObject([{ id: 'w/tick', nextRunAt: at('10:11:00'), version: 1 }]);
    t.clock.t = at('10:11:01');
    expect(await scheduler.runDue()).toBe(1);
    expect(await t.scheduledAt('w')).toEqual([
      '2030-01-01T10:01:00.000Z',
      '2030-01-01T10:11:00.000Z',
    ]);
  });

  test('editing the cron replaces the schedule: the old cadence never fires again', async () => {
    const t = await setup();
    await t.call('POST', '/workflows?active=true', {
      id: 'w',
      ...scheduled('W', { cron: '*/5 * * * *' }),
    });
    const scheduler = t.scheduler('s');
    t.clock.t = at('10:05:01');
    expect(await scheduler.runDue()).toBe(1);
    // A draft changes nothing that runs: the published cadence goes on.
    await t.call('PUT', '/workflows/w', scheduled('W', { cron: '0 * * * *' }));
    expect((await t.call('GET', '/workflows/w/schedules')).body.items).toMatchObject([
      { cron: '*/5 * * * *', version: 1 },
    ]);
    t.clock.t = at('10:06:00');
    const edited = await t.call(
      'PUT',
      '/workflows/w?publish=true',
      scheduled('W', { cron: '0 * * * *' }),
    );
    expect(edited.status).toBe(200);
    for (let minute = 10; minute < 60; minute += 5) {
      t.clock.t = at('10:00:01') + minute * MIN;
      expect(await scheduler.runDue()).toBe(0);
    }
    t.clock.t = at('11:00:01');
    expect(await scheduler.runDue()).toBe(1);
    const runs = await t.executions('w');
    expect(
      runs.map((e) => [(e.input as { scheduledAt: string }).scheduledAt, e.workflowVersion]),
    ).toEqual([
      ['2030-01-01T10:05:00.000Z', 1],
      ['2030-01-01T11:00:00.000Z', 3],
    ]);
  });

  test('after a crash between a save and its schedule sync, the old cadence still never fires', async () => {
    const t = await setup();
    await t.call('POST', '/workflows?active=true', {
      id: 'w',
      ...scheduled('W', { cron: '*/5 * * * *' }),
    });
    // The new version is committed, but the process died before syncing its schedules.
    await t.f.store.saveWorkflowVersion({
      workflowId: 'w',
      definition: scheduled('W', { cron: '0 * * * *' }),
      publish: true,
      now: t.clock.t,
    });
    const stale: string[] = [];
    const scheduler = new Scheduler({
      engine: t.f.engine,
      store: t.f.store,
      clock: t.clock,
      onStale: async (workflowId) => {
        stale.push(workflowId);
      },
    });
    t.clock.t = at('10:05:01');
    expect(await scheduler.runDue()).toBe(0);
    expect(stale).toEqual(['w']);
    expect(await t.executions('w')).toEqual([]);
  });

  test('an edit that keeps the cron keeps the next run and moves ticks to the new version', async () => {
    const t = await setup();
    await t.call('POST', '/workflows?active=true', {
      id: 'w',
      ...scheduled('W', { cron: '0 * * * *' }),
    });
    await t.call('PUT', '/workflows/w?publish=true', {
      ...scheduled('W2', { cron: '0 * * * *' }),
    });
    const { body } = await t.call('GET', '/workflows/w/schedules');
    expect(body.items).toMatchObject([{ nextRunAt: at('11:00:00'), version: 2 }]);
  });

  test('schedule triggers use the workflow time zone unless they name one', async () => {
    const t = await setup();
    const definition = {
      ...scheduled('W', { cron: '0 9 * * *' }),
      settings: { timezone: 'America/New_York' },
    };
    await t.call('POST', '/workflows?active=true', { id: 'w', ...definition });
    const { body } = await t.call('GET', '/workflows/w/schedules');
    expect(body.items).toMatchObject([
      { timezone: 'America/New_York', nextRunAt: Date.parse('2030-01-01T14:00:00Z') },
    ]);
  });

  test('invalid cron, time zone or a templated cron are refused at save, naming the parameter', async () => {
    const t = await setup();
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ cron: '0 25 * * *' }, '/nodes/0/params/cron', /Invalid value for hour: 25/],
      [{ cron: '* * * *' }, '/nodes/0/params/cron', /five, six/],
      [{ cron: '{{ $vars.cron }}' }, '/nodes/0/params/cron', /cannot be a \{\{ \}\} template/],
      [{ cron: '* * * * *', timezone: 'Mars/Olympus' }, '/nodes/0/params/timezone', /IANA/],
    ];
    for (const [params, path, message] of cases) {
      const res = await t.call('POST', '/workflows', scheduled('Bad', params));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details).toContainEqual(
        expect.objectContaining({ path, message: expect.stringMatching(message) }),
      );
    }
    const zone = await t.call('POST', '/workflows', {
      ...scheduled('Bad', { cron: '* * * * *' }),
      settings: { timezone: 'Nowhere/Town' },
    });
    expect(zone.body.error.details).toContainEqual(
      expect.objectContaining({ path: '/settings/timezone' }),
    );
    expect(await t.f.store.listSchedules()).toEqual([]);
  });

  test('GET /schedules/preview lists the next runs, DST included; bad input is a 400', async () => {
    const t = await setup();
    const preview = await t.call(
      'GET',
      '/schedules/preview?cron=30%202%20*%20*%20*&timezone=Europe/Berlin&count=3&after=2030-03-29T12:00:00Z',
    );
    expect(preview).toEqual({
      status: 200,
      body: {
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        runs: ['2030-03-30T01:30:00.000Z', '2030-03-31T01:00:00.000Z', '2030-04-01T00:30:00.000Z'],
      },
    });
    const fromNow = await t.call('GET', '/schedules/preview?cron=0%20*%20*%20*%20*');
    expect(fromNow.body.runs).toEqual([
      '2030-01-01T11:00:00.000Z',
      '2030-01-01T12:00:00.000Z',
      '2030-01-01T13:00:00.000Z',
      '2030-01-01T14:00:00.000Z',
      '2030-01-01T15:00:00.000Z',
    ]);
    const bad: Array<[string, string, string]> = [
      ['cron=61%20*%20*%20*%20*', 'INVALID_CRON', '/query/cron'],
      ['cron=*%20*%20*%20*%20*&timezone=Mars/Olympus', 'INVALID_TIMEZONE', '/query/timezone'],
      ['cron=*%20*%20*%20*%20*&count=0', 'INVALID_REQUEST', '/query/count'],
      ['timezone=UTC', 'INVALID_REQUEST', '/query/cron'],
    ];
    for (const [query, code, path] of bad) {
      const res = await t.call('GET', `/schedules/preview?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.details[0].path).toBe(path);
    }
  });

  test('GET /workflows/:id/schedules is a 404 for an unknown workflow', async () => {
    const t = await setup();
    const res = await t.call('GET', '/workflows/nope/schedules');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('WORKFLOW_NOT_FOUND');
  });
});

describe('the server scheduler', () => {
  test('fires on its timer and stops when the workflow is deactivated', async () => {
    fixture = await makeServer();
    const f = fixture;
    await f.inject({
      method: 'POST',
      url: '/api/v1/workflows?active=true',
      payload: { id: 'sec', ...scheduled('Every second', { cron: '* * * * * *' }) },
    });
    const count = async () =>
      (await f.store.listExecutions({ workflowId: 'sec', limit: 100 })).length;
    const deadline = Date.now() + 5000;
    while ((await count()) < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await count()).toBeGreaterThanOrEqual(2);
    await f.inject({ method: 'POST', url: '/api/v1/workflows/sec/deactivate' });
    const after = await count();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await count()).toBe(after);
  });
});
