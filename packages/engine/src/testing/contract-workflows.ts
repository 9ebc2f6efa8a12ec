import { expect } from 'vitest';
import type { WorkflowVersionRecord } from '../store.js';
import type { ContractContext } from './store-contract.js';
import {
  insertExecution,
  makeExecution,
  seedWorkflow,
  setExecutionStatus,
  T0,
  workflowDefinition,
} from './store-fixtures.js';

function isVersion(value: unknown): value is WorkflowVersionRecord {
  return typeof value === 'object' && value !== null && 'version' in value;
}

/** Workflows, immutable versions and optimistic version conflicts. */
export function workflowCases({ it }: ContractContext): void {
  it('workflows: create, get and list', async (store) => {
    const definition = workflowDefinition('Invoices', {
      description: 'Send invoices',
      tags: ['billing'],
    });
    const created = await store.createWorkflow({ id: 'wf-a', definition, active: false, now: T0 });
    expect(created).toEqual({
      id: 'wf-a',
      name: 'Invoices',
      active: false,
      draftVersion: 1,
      createdAt: T0,
      updatedAt: T0,
    });
    await store.createWorkflow({
      id: 'wf-b',
      definition: workflowDefinition('Alerts'),
      active: true,
      now: T0 + 1,
    });
    expect(await store.getWorkflow('wf-a')).toEqual(created);
    expect(await store.getWorkflow('missing')).toBeUndefined();
    expect((await store.listWorkflows()).map((w) => w.id).sort()).toEqual(['wf-a', 'wf-b']);
    const version = await store.getWorkflowVersion('wf-a', 1);
    expect(version).toMatchObject({ workflowId: 'wf-a', version: 1, definition, createdAt: T0 });
    expect(version?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.getWorkflowVersion('wf-a', 2)).toBeUndefined();
  });

  it('workflows: creating an existing id is refused', async (store) => {
    await store.createWorkflow({
      id: 'wf-a',
      definition: workflowDefinition(),
      active: true,
      now: T0,
    });
    await expect(
      store.createWorkflow({
        id: 'wf-a',
        definition: workflowDefinition('Other'),
        active: true,
        now: T0,
      }),
    ).rejects.toMatchObject({ code: 'WORKFLOW_EXISTS' });
    expect((await store.getWorkflow('wf-a'))?.name).toBe('Contract workflow');
  });

  it('workflows: the version hash is the sha256 of canonical JSON', async (store) => {
    const definition = workflowDefinition('Hash me', { tags: ['x'] });
    const reordered = {
      edges: [],
      tags: ['x'],
      nodes: definition.nodes,
      name: 'Hash me',
      schemaVersion: 1 as const,
    };
    await store.createWorkflow({ id: 'wf-a', definition, active: true, now: T0 });
    const same = await store.saveWorkflowVersion({
      workflowId: 'wf-a',
      definition: reordered,
      now: T0 + 1,
    });
    const other = await store.saveWorkflowVersion({
      workflowId: 'wf-a',
      definition: workflowDefinition('Changed'),
      now: T0 + 2,
    });
    const first = await store.getWorkflowVersion('wf-a', 1);
    if (!isVersion(same) || !isVersion(other)) throw new Error('expected versions, got a conflict');
    expect(same.hash).toBe(first?.hash);
    expect(other.hash).not.toBe(first?.hash);
  });

  it('workflows: saving a version makes it current and keeps the old one', async (store) => {
    const v1 = workflowDefinition('Before');
    await store.createWorkflow({ id: 'wf-a', definition: v1, active: true, now: T0 });
    const v2 = workflowDefinition('After', { description: 'second' });
    const saved = await store.saveWorkflowVersion({
      workflowId: 'wf-a',
      definition: v2,
      expectVersion: 1,
      now: T0 + 5,
    });
    expect(saved).toMatchObject({
      workflowId: 'wf-a',
      version: 2,
      definition: v2,
      createdAt: T0 + 5,
    });
    expect(await store.getWorkflow('wf-a')).toMatchObject({
      draftVersion: 2,
      name: 'After',
      updatedAt: T0 + 5,
      createdAt: T0,
    });
    expect((await store.getWorkflowVersion('wf-a', 1))?.definition).toEqual(v1);
    expect((await store.getWorkflowVersion('wf-a', 2))?.definition).toEqual(v2);
  });

  it('workflows: a stale expectVersion conflicts and saves nothing', async (store) => {
    await store.createWorkflow({
      id: 'wf-a',
      definition: workflowDefinition(),
      active: true,
      now: T0,
    });
    await store.saveWorkflowVersion({
      workflowId: 'wf-a',
      definition: workflowDefinition('Two'),
      expectVersion: 1,
      now: T0 + 1,
    });
    const result = await store.saveWorkflowVersion({
      workflowId: 'wf-a',
      definition: workflowDefinition('Lost update'),
      expectVersion: 1,
      now: T0 + 2,
    });
    expect(result).toEqual({
      conflict: expect.objectContaining({ id: 'wf-a', draftVersion: 2, name: 'Two' }),
    });
    expect(await store.getWorkflowVersion('wf-a', 3)).toBeUndefined();
  });

  it('workflows: setWorkflowActive', async (store) => {
    await store.createWorkflow({
      id: 'wf-a',
      definition: workflowDefinition(),
      active: false,
      now: T0,
    });
    expect(
      await store.setWorkflowActive({ workflowId: 'wf-a', active: true, now: T0 + 9 }),
    ).toMatchObject({
      active: true,
      updatedAt: T0 + 9,
    });
    expect((await store.getWorkflow('wf-a'))?.active).toBe(true);
    expect(
      await store.setWorkflowActive({ workflowId: 'missing', active: true, now: T0 }),
    ).toBeUndefined();
  });

  it('workflows: delete is refused while an execution is live', async (store) => {
    await seedWorkflow(store);
    await insertExecution(store, makeExecution('e1'));
    await expect(store.deleteWorkflow('wf-contract')).rejects.toMatchObject({
      code: 'WORKFLOW_IN_USE',
    });
    expect(await store.getWorkflow('wf-contract')).toBeDefined();
    await setExecutionStatus(store, 'e1', 'succeeded', T0 + 1);
    expect(await store.deleteWorkflow('wf-contract')).toBe(true);
    expect(await store.getWorkflow('wf-contract')).toBeUndefined();
    expect(await store.getWorkflowVersion('wf-contract', 1)).toBeUndefined();
    expect(await store.getExecution('e1')).toBeUndefined();
    expect(await store.deleteWorkflow('wf-contract')).toBe(false);
  });
}
