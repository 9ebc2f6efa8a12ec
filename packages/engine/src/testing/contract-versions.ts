import { expect } from 'vitest';
import type { ExecutionRecord } from '../store.js';
import type { ContractContext } from './store-contract.js';
import {
  insertExecution,
  makeExecution,
  makeStep,
  seedWorkflow,
  setExecutionStatus,
  T0,
  workflowDefinition,
} from './store-fixtures.js';

const ids = (records: readonly ExecutionRecord[]): string[] => records.map((r) => r.id);
const DAY = 86_400_000;

/** Draft/published versions, bundle writes, list filters, retention and settings. */
export function versionCases({ it }: ContractContext): void {
  it('versions: drafts, publishing, authorship and the version list', async (store) => {
    const created = await store.createWorkflow({
      id: 'wf-a',
      definition: workflowDefinition('One'),
      active: false,
      now: T0,
      author: 'u-1',
      message: 'first',
    });
    expect(created.draftVersion).toBe(1);
    expect(created.publishedVersion).toBeUndefined();
    await store.saveWorkflowVersion({
      workflowId: 'wf-a',
      definition: workflowDefinition('Two'),
      now: T0 + 1,
    });
    const published = await store.saveWorkflowVersion({
      workflowId: 'wf-a',
      definition: workflowDefinition('Three'),
      publish: true,
      author: 'u-2',
      now: T0 + 2,
    });
    expect(published).toMatchObject({ version: 3, author: 'u-2' });
    expect(await store.getWorkflow('wf-a')).toMatchObject({
      draftVersion: 3,
      publishedVersion: 3,
      publishedAt: T0 + 2,
      name: 'Three',
    });
    const rolledBack = await store.publishWorkflowVersion({
      workflowId: 'wf-a',
      version: 1,
      now: T0 + 3,
    });
    expect(rolledBack).toMatchObject({ draftVersion: 3, publishedVersion: 1, publishedAt: T0 + 3 });
    await expect(
      store.publishWorkflowVersion({ workflowId: 'wf-a', version: 9, now: T0 }),
    ).rejects.toMatchObject({ code: 'WORKFLOW_VERSION_NOT_FOUND' });
    expect(
      await store.publishWorkflowVersion({ workflowId: 'missing', version: 1, now: T0 }),
    ).toBeUndefined();

    const list = await store.listWorkflowVersions('wf-a', { limit: 10 });
    expect(list.map((v) => [v.version, v.author, v.message])).toEqual([
      [3, 'u-2', undefined],
      [2, 'system', undefined],
      [1, 'u-1', 'first'],
    ]);
    expect(list[0]).not.toHaveProperty('definition');
    expect((await store.listWorkflowVersions('wf-a', { limit: 1, before: 3 }))[0]?.version).toBe(2);
    expect((await store.getWorkflowVersion('wf-a', 1))?.message).toBe('first');
  });

  it('versions: createWorkflow with publish publishes version 1', async (store) => {
    const record = await store.createWorkflow({
      id: 'wf-p',
      definition: workflowDefinition(),
      active: true,
      publish: true,
      now: T0,
    });
    expect(record).toMatchObject({ draftVersion: 1, publishedVersion: 1, publishedAt: T0 });
  });

  it('versions: writeWorkflows applies every write or none', async (store) => {
    await seedWorkflow(store, 'existing');
    await expect(
      store.writeWorkflows([
        {
          kind: 'create',
          id: 'new-1',
          definition: workflowDefinition('N'),
          active: false,
          now: T0,
        },
        { kind: 'save', workflowId: 'existing', definition: workflowDefinition('E2'), now: T0 },
        {
          kind: 'create',
          id: 'existing',
          definition: workflowDefinition(),
          active: false,
          now: T0,
        },
      ]),
    ).rejects.toMatchObject({ code: 'WORKFLOW_EXISTS' });
    expect(await store.getWorkflow('new-1')).toBeUndefined();
    expect((await store.getWorkflow('existing'))?.draftVersion).toBe(1);

    const written = await store.writeWorkflows([
      { kind: 'create', id: 'new-1', definition: workflowDefinition('N'), active: false, now: T0 },
      {
        kind: 'save',
        workflowId: 'existing',
        definition: workflowDefinition('E2'),
        publish: true,
        message: 'imported',
        now: T0 + 1,
      },
    ]);
    expect(written.map((w) => [w.id, w.draftVersion, w.publishedVersion])).toEqual([
      ['new-1', 1, undefined],
      ['existing', 2, 2],
    ]);
    expect((await store.getWorkflowVersion('existing', 2))?.message).toBe('imported');
  });

  it('listExecutions: trigger, time range and text filters', async (store) => {
    await seedWorkflow(store);
    const specs: Array<[string, number, string, string, unknown]> = [
      ['e1', 1, 'hook', 'trigger.webhook', { customer: 'Alice Smith' }],
      ['e2', 2, 'trigger', 'trigger.manual', { customer: 'Bob' }],
      ['e3', 3, 'hook', 'trigger.webhook', { note: 'alice again' }],
      ['e4', 4, 'cron', 'trigger.schedule', null],
    ];
    for (const [id, at, triggerNodeId, triggerType, input] of specs) {
      await insertExecution(
        store,
        makeExecution(id, {
          createdAt: T0 + at,
          updatedAt: T0 + at,
          triggerNodeId,
          triggerType,
          input: input as ExecutionRecord['input'],
        }),
      );
    }
    const list = (query: Parameters<typeof store.listExecutions>[0]) =>
      store.listExecutions(query).then(ids);
    expect(await list({ limit: 10, triggerType: 'trigger.webhook' })).toEqual(['e3', 'e1']);
    expect(await list({ limit: 10, triggerNodeId: 'trigger' })).toEqual(['e2']);
    expect(await list({ limit: 10, createdFrom: T0 + 2, createdTo: T0 + 4 })).toEqual(['e3', 'e2']);
    expect(await list({ limit: 10, text: 'ALICE' })).toEqual(['e3', 'e1']);
    expect(await list({ limit: 10, text: 'alice', createdTo: T0 + 2 })).toEqual(['e1']);
    expect(await list({ limit: 10, text: 'nobody' })).toEqual([]);
    expect((await store.getExecution('e4'))?.triggerType).toBe('trigger.schedule');
  });

  it('retention: deletes finished executions past their cutoff, in batches, with their steps', async (store) => {
    await seedWorkflow(store);
    await seedWorkflow(store, 'wf-keep');
    const specs: Array<[string, ExecutionRecord['status'], number | undefined, string?]> = [
      ['old-ok', 'succeeded', T0 - 40 * DAY],
      ['old-ok-2', 'succeeded', T0 - 35 * DAY],
      ['old-cancel', 'cancelled', T0 - 40 * DAY],
      ['old-fail', 'failed', T0 - 40 * DAY],
      ['older-fail', 'failed', T0 - 100 * DAY],
      ['new-ok', 'succeeded', T0 - DAY],
      ['running', 'running', undefined],
      ['other-wf', 'succeeded', T0 - 40 * DAY, 'wf-keep'],
    ];
    for (const [id, status, finishedAt, workflowId] of specs) {
      // Inserted running with a step row, then finished: steps live in their own table.
      await insertExecution(
        store,
        makeExecution(id, {
          createdAt: T0 - 200 * DAY,
          ...(workflowId === undefined ? {} : { workflowId }),
        }),
        [makeStep(id, 'trigger'), makeStep(id, 'next', { input: { big: 'x'.repeat(300_000) } })],
      );
      if (finishedAt !== undefined) await setExecutionStatus(store, id, status, finishedAt);
    }
    const cutoffs = { succeeded: T0 - 30 * DAY, cancelled: T0 - 30 * DAY, failed: T0 - 90 * DAY };
    const first = await store.deleteFinishedExecutions({
      cutoffs,
      limit: 2,
      excludeWorkflowIds: ['wf-keep'],
    });
    expect(first).toBe(2);
    const rest = await store.deleteFinishedExecutions({
      cutoffs,
      limit: 10,
      excludeWorkflowIds: ['wf-keep'],
    });
    expect(rest).toBe(2);
    expect(
      await store.deleteFinishedExecutions({ cutoffs, limit: 10, excludeWorkflowIds: ['wf-keep'] }),
    ).toBe(0);
    const left = ids(await store.listExecutions({ limit: 100 })).sort();
    expect(left).toEqual(['new-ok', 'old-fail', 'other-wf', 'running']);
    expect((await store.countSteps()).ready).toBe(8);
    expect(
      await store.deleteFinishedExecutions({ cutoffs, limit: 10, workflowId: 'wf-keep' }),
    ).toBe(1);
    await store.reclaimSpace();
  });

  it('settings: missing, put, overwrite', async (store) => {
    expect(await store.getSetting('retention')).toBeUndefined();
    await store.putSetting({ key: 'retention', value: { days: 3 }, now: T0 });
    await store.putSetting({ key: 'retention', value: { days: 4, failedDays: 9 }, now: T0 + 1 });
    expect(await store.getSetting('retention')).toEqual({ days: 4, failedDays: 9 });
  });
}
