import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServerProcess } from '../server-process.js';
import { browserAvailable, launch, openPage } from './browser.js';

let browser: Browser;
let flowstate: ServerProcess;
let page: Page;
let pageErrors: string[];
let apiKey = '';

/** Where the screenshots of the docs are written (committed). */
const SCREENSHOTS = join(import.meta.dirname, '../../docs/screenshots');

/** A manual trigger, then an in-app notification to everyone linking to the execution. */
const notifyWorkflow = {
  schemaVersion: 1,
  name: 'Deal alert',
  nodes: [
    { id: 'start', name: 'Start', type: 'trigger.manual', params: {}, position: { x: 0, y: 0 } },
    {
      id: 'notify',
      name: 'Notify',
      type: 'notification.inapp',
      params: {
        title: 'Deal {{ $trigger.deal }} won',
        body: 'Signed by {{ $trigger.by }}',
        level: 'success',
        link: 'execution',
        linkLabel: 'Open execution',
      },
      position: { x: 260, y: 0 },
    },
  ],
  edges: [{ id: 'e1', from: 'start', to: 'notify' }],
};

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
  await page.goto('/');
  await page.getByLabel('Email').fill('owner@example.com');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create owner' }).click();
  await page.getByRole('heading', { name: 'Workflows' }).waitFor();
  apiKey = await page.evaluate(async () => {
    const csrf = /fs_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
    const res = await fetch('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
      body: JSON.stringify({ name: 'e2e' }),
    });
    return ((await res.json()) as { key: string }).key;
  });
  await api('POST', '/workflows?publish=true', { id: 'deals', ...notifyWorkflow });
});

afterAll(async () => {
  if (!browserAvailable) return;
  await browser?.close();
  await flowstate?.cleanup();
});

describe.skipIf(!browserAvailable)('in-app notifications', () => {
  test('a workflow run rings the bell; the notification opens its execution and is marked read', async () => {
    const bell = page.getByRole('button', { name: /^Notifications/ });
    await expect(bell.getAttribute('aria-label')).resolves.toBe('Notifications (0 unread)');

    const run = await api('POST', '/workflows/deals/run?wait=10000', {
      input: { deal: 'Acme', by: 'Ada' },
    });
    expect(run.execution.status).toBe('succeeded');
    const executionId = run.executionId as string;

    // The live stream reports the finished execution; the bell refreshes its count.
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications (1 unread)');
    await expect(page.getByTestId('unread-count').textContent()).resolves.toBe('1');

    await bell.click();
    const panel = page.getByRole('dialog', { name: 'Notifications' });
    const item = panel.getByRole('listitem', { name: 'Deal Acme won (unread)' });
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain('Signed by Ada');
    await page.screenshot({ path: join(SCREENSHOTS, 'notifications.png') });

    await item.getByRole('button', { name: 'Open execution' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe(`/executions/${executionId}`);
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications (0 unread)');
    const listed = await api('GET', '/notifications');
    expect(listed.items[0]).toMatchObject({ title: 'Deal Acme won', readAt: expect.any(Number) });

    // A second run, then "Mark all read" from the panel.
    await api('POST', '/workflows/deals/run?wait=10000', { input: { deal: 'Beta', by: 'Bo' } });
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications (1 unread)');
    await bell.click();
    await panel.getByRole('listitem', { name: 'Deal Beta won (unread)' }).waitFor();
    await panel.getByRole('button', { name: 'Mark all read' }).click();
    await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications (0 unread)');
    await panel.getByRole('listitem', { name: 'Deal Beta won' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
