import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServerProcess } from '../server-process.js';
import { browserAvailable, launch, openPage } from './browser.js';

let browser: Browser;
let flowstate: ServerProcess;
let page: Page;
let pageErrors: string[];
let apiKey = '';

/** A manual trigger, then two transforms. */
function threeSteps(name: string) {
  return {
    schemaVersion: 1,
    name,
    nodes: [
      { id: 'start', name: 'Start', type: 'trigger.manual', params: {}, position: { x: 0, y: 0 } },
      {
        id: 'price',
        name: 'Price',
        type: 'transform.set',
        params: { fields: { total: '{{ $input.amount * 2 }}', customer: 'Ada' } },
        position: { x: 260, y: 0 },
      },
      {
        id: 'label',
        name: 'Label',
        type: 'transform.set',
        params: { fields: { text: 'x' } },
        position: { x: 520, y: 0 },
      },
    ],
    edges: [
      { id: 'e1', from: 'start', to: 'price' },
      { id: 'e2', from: 'price', to: 'label' },
    ],
  };
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${flowstate.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Record<string, any>;
}

beforeAll(async () => {
  if (!browserAvailable) return;
  flowstate = new ServerProcess([]);
  await flowstate.start();
  browser = await launch();
  ({ page, errors: pageErrors } = await openPage(browser, flowstate.url));
  // The owner signs in through the UI; an API key seeds the workflows.
  await page.goto('/');
  await page.getByLabel('Email').fill('owner@example.com');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create owner' }).click();
  await page.getByRole('heading', { name: 'Workflows' }).waitFor();
  const key = await page.evaluate(async () => {
    const csrf = /fs_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
    const res = await fetch('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
      body: JSON.stringify({ name: 'e2e' }),
    });
    return ((await res.json()) as { key: string }).key;
  });
  apiKey = key;
  await api('POST', '/workflows?publish=true', { id: 'one', ...threeSteps('First') });
  await api('POST', '/workflows?publish=true', { id: 'two', ...threeSteps('Second') });
});

afterAll(async () => {
  if (!browserAvailable) return;
  await browser?.close();
  await flowstate?.cleanup();
});

const suggestions = () => page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option');
const nodeCount = () => page.locator('[data-testid^="outline-"]').count();

async function openEditor(id: string) {
  await page.goto(`/workflows/${id}`);
  await page.waitForSelector('.react-flow__node[data-id="price"]');
}

describe.skipIf(!browserAvailable)('editor tools', () => {
  test('undo and redo over more than 100 steps', async () => {
    await openEditor('one');
    await page.locator('.react-flow__pane').click();
    for (let i = 0; i < 105; i++) await page.keyboard.press('n'); // a sticky note each
    await expect.poll(() => page.locator('.react-flow__node-sticky').count()).toBe(105);
    for (let i = 0; i < 105; i++) await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.react-flow__node-sticky').count()).toBe(0);
    for (let i = 0; i < 5; i++) await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => page.locator('.react-flow__node-sticky').count()).toBe(5);
    for (let i = 0; i < 5; i++) await page.keyboard.press('Control+z');
  });

  test('copy and paste nodes, also into another workflow', async () => {
    await openEditor('one');
    await page.locator('.react-flow__node[data-id="price"]').click();
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 }, modifiers: [] });
    await page.locator('.react-flow__node[data-id="price"]').click();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await page.getByRole('radio', { name: 'List' }).click();
    await expect.poll(nodeCount).toBe(4);
    await expect(page.getByTestId('outline-price_2').textContent()).resolves.toContain('Price 2');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await api('GET', '/workflows/one')).draftVersion).toBe(2);

    await openEditor('two');
    await page.locator('.react-flow__pane').click();
    await page.keyboard.press('Control+v');
    await page.getByRole('radio', { name: 'List' }).click();
    await expect.poll(nodeCount).toBe(4);
  });

  test('an edit in the list view shows on the canvas at once', async () => {
    await openEditor('two');
    await page.getByRole('radio', { name: 'Both' }).click();
    await page.getByRole('button', { name: 'Fit View' }).click();
    await expect.poll(() => page.locator('.react-flow__node[data-id="label"]').count()).toBe(1);
    // Selecting in the outline selects on the canvas; deleting there removes it from both.
    await page.getByTestId('outline-label').click();
    await expect.poll(() => page.locator('#prop-name').inputValue()).toBe('Label');
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('.react-flow__node[data-id="label"]').count()).toBe(0);
    await expect.poll(() => page.getByTestId('outline-label').count()).toBe(0);
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('outline-label').count()).toBe(1);
    await page.getByRole('button', { name: 'Fit View' }).click();
    await expect.poll(() => page.locator('.react-flow__node[data-id="label"]').count()).toBe(1);
  });

  test('nodes are selected and connected with the keyboard alone', async () => {
    await openEditor('two');
    await page.getByRole('radio', { name: 'List' }).click();
    await page.getByTestId('outline-start').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#prop-name').inputValue()).toBe('Start');
    await page.getByLabel('Connect out to').focus();
    await page.getByLabel('Connect out to').selectOption({ label: 'Label' });
    await page.getByRole('button', { name: 'Connect', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('button', { name: 'Disconnect out from Label' }).count())
      .toBe(1);
    // Nodes that would close a cycle or feed a trigger are not offered. (Label now appears
    // twice in the outline: under Start, and as a reference under Price.)
    await page.getByTestId('outline-label').first().focus();
    await page.keyboard.press('Enter');
    const offered = await page.getByLabel('Connect out to').locator('option').allTextContents();
    expect(offered).not.toContain('Start');
    expect(offered).not.toContain('Price');
  });

  test('a loop is drawn as a container with its body inside; an output field drags onto a parameter', async () => {
    const created = await api('POST', '/workflows?publish=true', {
      id: 'looped',
      schemaVersion: 1,
      name: 'Looped',
      nodes: [
        {
          id: 'start',
          name: 'Start',
          type: 'trigger.manual',
          params: {},
          position: { x: 0, y: 0 },
        },
        {
          id: 'each',
          name: 'Each',
          type: 'flow.loop',
          params: { items: '{{ $input.items }}' },
          position: { x: 240, y: 0 },
        },
        {
          id: 'double',
          name: 'Double',
          type: 'transform.set',
          parentId: 'each',
          params: { fields: { v: '{{ $item * 2 }}' } },
          position: { x: 30, y: 60 },
        },
        {
          id: 'after',
          name: 'After',
          type: 'transform.set',
          params: { fields: {} },
          position: { x: 700, y: 0 },
        },
      ],
      edges: [
        { id: 'e1', from: 'start', to: 'each' },
        { id: 'e2', from: 'each', port: 'done', to: 'after' },
      ],
    });
    expect(created.error).toBeUndefined();
    await page.goto('/workflows/looped');
    const body = page.locator('.react-flow__node[data-id="double"]');
    await body.waitFor();
    const container = (await page.locator('.react-flow__node[data-id="each"]').boundingBox())!;
    const inner = (await body.boundingBox())!;
    expect(inner.x).toBeGreaterThan(container.x);
    expect(inner.y).toBeGreaterThan(container.y);
    expect(inner.x + inner.width).toBeLessThanOrEqual(container.x + container.width + 1);

    // Run it; each iteration is its own step in the timeline.
    await page.locator('#test-input').fill('{ "items": [1, 2, 3] }');
    await page.getByRole('button', { name: '▶ Test run' }).click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toBe('succeeded');
    await expect.poll(() => page.getByTestId('timeline-each[2]/double').count()).toBe(1);

    // Drag a field of Start's output onto After's fields: it lands as an expression.
    await page.getByTestId('timeline-start').click();
    await page.locator('.react-flow__node[data-id="after"]').click();
    await page.getByRole('button', { name: 'Add field' }).click();
    const field = page.locator('#param-fields-0');
    await page.locator('.fs-inspector .fs-json-key', { hasText: 'items' }).last().dragTo(field);
    await expect.poll(() => field.inputValue()).toContain('{{ $steps.Start.items }}');
  });

  test('re-run from a node reuses the outputs before it and runs the edited draft after it', async () => {
    await api('POST', '/workflows?publish=true', { id: 'again', ...threeSteps('Again') });
    await openEditor('again');
    await page.locator('#test-input').fill('{ "amount": 5 }');
    await page.getByRole('button', { name: '▶ Test run' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('succeeded');

    // Edit the last node, then re-run from it.
    await page.locator('.react-flow__node[data-id="label"]').click();
    await page.locator('#param-fields-0').fill('"changed"');
    await page.getByTestId('timeline-label').click();
    await page.getByRole('button', { name: '↻ Re-run from here' }).click();
    const rerunOf = async () =>
      (await api('GET', '/executions?workflowId=again')).items.find(
        (e: { rerunOf?: string; status: string }) =>
          e.rerunOf !== undefined && e.status === 'succeeded',
      );
    await expect.poll(rerunOf).toBeDefined();
    const rerun = await rerunOf();
    // The steps before the node were not run again: the timeline says they were reused.
    await expect.poll(() => page.getByTestId('timeline-price').textContent()).toContain('reused');
    const detail = await api('GET', `/executions/${rerun.id}`);
    const label = detail.steps.find((step: { key: string }) => step.key === 'label');
    expect(label.output).toMatchObject({ text: 'changed', total: 10 });
  });

  test('a test run can simulate side effects: it records the notification instead of sending it', async () => {
    const notify = threeSteps('Notify');
    notify.nodes[2] = {
      id: 'label',
      name: 'Label',
      type: 'notification.inapp',
      params: { title: 'Paid' } as never,
      position: { x: 520, y: 0 },
    };
    await api('POST', '/workflows?publish=true', { id: 'notify', ...notify });
    const notifications = async () => (await api('GET', '/notifications')).items.length;
    const before = await notifications();
    await openEditor('notify');
    await page.getByLabel('Simulate side effects').check();
    await page.getByRole('button', { name: '▶ Test run' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('succeeded');
    await expect.poll(() => page.locator('.fs-test-run .tag').textContent()).toBe('simulated');
    const [simulated] = (await api('GET', '/executions?workflowId=notify')).items;
    expect(simulated.simulate).toBe(true);
    const detail = await api('GET', `/executions/${simulated.id}`);
    const step = detail.steps.find((s: { key: string }) => s.key === 'label');
    expect(step.output).toMatchObject({ simulated: true, notification: { title: 'Paid' } });
    expect(await notifications()).toBe(before);

    // Unchecked, the same run notifies.
    await page.getByLabel('Simulate side effects').uncheck();
    await page.getByRole('button', { name: '▶ Test run' }).click();
    await expect
      .poll(async () => (await api('GET', '/executions?workflowId=notify')).items.length)
      .toBe(2);
    await expect.poll(notifications).toBe(before + 1);
    expect(pageErrors).toEqual([]);
  });

  test('command palette, find a node, shortcut help, theme', async () => {
    await openEditor('one');
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox').fill('auto-layout');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('.fs-editor-toolbar').textContent())
      .toContain('unsaved changes');

    await page.keyboard.press('Control+f');
    await page.getByRole('combobox').fill('Label');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#prop-name').inputValue()).toBe('Label');

    await page.locator('.react-flow__pane').click();
    await page.keyboard.press('?');
    await expect(
      page.getByRole('dialog', { name: 'Keyboard shortcuts' }).isVisible(),
    ).resolves.toBe(true);
    await page.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    expect(['dark', 'light']).toContain(theme);
  });

  test('expression fields autocomplete $steps from the last run; problems show on the field', async () => {
    await openEditor('two');
    await page.locator('#test-input').fill('{ "amount": 21 }');
    await page.getByRole('button', { name: '▶ Test run' }).click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toBe('succeeded');
    await page.locator('.react-flow__node[data-id="label"]').click();
    const field = page.locator('#param-fields-0');
    await field.click();
    await field.fill('{{ $steps.');
    await expect.poll(() => suggestions().allTextContents()).toContain('Price');
    await page.keyboard.type('Pr');
    await expect.poll(() => suggestions().allTextContents()).toEqual(['Price']);
    await page.keyboard.press('Enter');
    await page.keyboard.type('.');
    await expect.poll(() => suggestions().allTextContents()).toContain('total');
    await page.keyboard.type('to');
    await page.keyboard.press('Enter');
    await expect.poll(() => field.inputValue()).toBe('{{ $steps.Price.total');
    await page.keyboard.type(' }}');

    // A broken expression is reported on the node and on its field.
    await field.fill('{{ $steps. }}');
    await expect.poll(() => page.locator('.fs-problems-count').textContent()).toMatch(/problem/);
    expect(pageErrors).toEqual([]);
  });
});
