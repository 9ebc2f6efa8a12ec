import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServerProcess } from '../server-process.js';
import { browserAvailable, launch, openPage } from './browser.js';

/** Where the screenshots of the docs are written (committed). */
const SCREENSHOTS = join(import.meta.dirname, '../../docs/screenshots');

/** An HTTP service the workflow calls: answers `{ route }` and counts calls per path. */
async function targetService() {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    calls.push(req.url ?? '');
    req.resume();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ route: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let browser: Browser;
let flowstate: ServerProcess;
let target: Awaited<ReturnType<typeof targetService>>;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  if (!browserAvailable) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  target = await targetService();
  flowstate = new ServerProcess([]);
  await flowstate.start();
  browser = await launch();
  ({ page, errors: pageErrors } = await openPage(browser, flowstate.url));
});

afterAll(async () => {
  if (!browserAvailable) return;
  await browser?.close();
  await flowstate?.cleanup();
  await target?.close();
});

/** Drags a palette entry onto the canvas at (x, y) relative to the canvas's top-left corner. */
async function dropNode(type: string, x: number, y: number): Promise<void> {
  const canvas = page.locator('.fs-canvas .react-flow__pane');
  await page.locator(`[data-node-type="${type}"]`).dragTo(canvas, { targetPosition: { x, y } });
}

/** Drags from an output port of one node to the input of another (one attempt). */
async function dragConnection(from: string, port: string, to: string): Promise<void> {
  const source = page.locator(
    `.react-flow__node[data-id="${from}"] .react-flow__handle.source[data-handleid="${port}"]`,
  );
  const targetHandle = page.locator(
    `.react-flow__node[data-id="${to}"] .react-flow__handle.target`,
  );
  const a = (await source.boundingBox())!;
  const b = (await targetHandle.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 8, a.y + a.height / 2 + 4, { steps: 3 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.move(b.x + b.width / 2 + 1, b.y + b.height / 2, { steps: 2 });
  await page.mouse.up();
}

/**
 * Connects two nodes by dragging between their handles, as a person would; a drag that the
 * busy headless browser did not register as a connection is made again (at most 3 times).
 */
async function connect(from: string, port: string, to: string): Promise<void> {
  const edge = page.locator(`.react-flow__edge[data-id]`);
  const before = await edge.count();
  for (let attempt = 0; attempt < 3; attempt++) {
    await dragConnection(from, port, to);
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      if ((await edge.count()) > before) return;
      await page.waitForTimeout(50);
    }
  }
  throw new Error(`could not connect ${from}.${port} to ${to}`);
}

/** Selects a node on the canvas and fills one of its parameter fields. */
async function setParam(nodeId: string, param: string, value: string): Promise<void> {
  await page.locator(`.react-flow__node[data-id="${nodeId}"]`).click();
  const field = page.locator(`#param-${param}`);
  await field.click();
  await field.fill(value);
  await page.keyboard.press('Escape');
}

async function callWebhook(amount: number) {
  const res = await fetch(`${flowstate.url}/hooks/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { route?: string },
    executionId: res.headers.get('x-flowstate-execution-id') ?? '',
  };
}

describe.skipIf(!browserAvailable)('the builder, as a new user uses it', () => {
  test('set up the owner, build webhook -> if -> two calls -> merge -> respond, test-run, publish, call, roll back', async () => {
    // First run: the setup screen creates the owner.
    await page.goto('/');
    await page.getByLabel('Email').fill('owner@example.com');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create owner' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Workflows' }).count()).toBe(1);

    // A new workflow opens in the editor.
    page.once('dialog', (dialog) => void dialog.accept('Order router'));
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.waitForSelector('.fs-canvas .react-flow__pane');
    await page.waitForSelector('[data-node-type="trigger.webhook"]');

    // Replace the manual trigger with a webhook; drag the other nodes from the palette.
    await page.locator('.react-flow__node[data-id="trigger"]').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('.react-flow__node[data-id="trigger"]').count()).toBe(0);
    // Zoom out so that six nodes fit side by side.
    for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Zoom Out' }).click();
    await dropNode('trigger.webhook', 30, 200);
    await dropNode('flow.if', 160, 200);
    await dropNode('http.request', 290, 120);
    await dropNode('http.request', 290, 280);
    await dropNode('flow.merge', 420, 200);
    await dropNode('webhook.respond', 550, 200);
    await page.getByRole('radio', { name: 'Both' }).click();
    await expect.poll(() => page.locator('[data-testid^="outline-"]').count()).toBe(6);
    await page.getByRole('radio', { name: 'Canvas' }).click();
    await page.getByRole('button', { name: 'Fit View' }).click();
    if (process.env.E2E_DEBUG) await page.screenshot({ path: '/tmp/e2e-drop.png' });

    await connect('webhook', 'out', 'if');
    await connect('if', 'true', 'request');
    await connect('if', 'false', 'request_2');
    await connect('request', 'out', 'merge');
    await connect('request_2', 'out', 'merge');
    await connect('merge', 'out', 'respond');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(6);

    // A connection that would close a cycle is refused with the reason.
    // As in connect(): a drag the busy headless browser did not register is made again.
    const banner = page.getByRole('status').filter({ hasText: 'cycle' });
    for (let attempt = 0; attempt < 3 && (await banner.count()) === 0; attempt++) {
      await dragConnection('respond', 'out', 'if');
      await banner.waitFor({ timeout: 5_000 }).catch(() => undefined);
    }
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/cycle/);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(6);

    await setParam('webhook', 'path', 'orders');
    await setParam('if', 'condition', '{{ $input.body.amount > 100 }}');
    await setParam('request', 'url', `${target.url}/big`);
    await setParam('request_2', 'url', `${target.url}/small`);
    await page.locator('.react-flow__node[data-id="merge"]').click();
    await page.locator('#param-mode').selectOption('first');
    await expect.poll(() => page.locator('.fs-problems-count').textContent()).toContain('valid');

    // The outline shows the same document, branches indented under the if's ports.
    await page.getByRole('radio', { name: 'List' }).click();
    await expect
      .poll(() => page.getByTestId('outline-request').getAttribute('aria-level'))
      .toBe('2');
    await page.getByRole('radio', { name: 'Canvas' }).click();

    // Test run of the draft: live statuses on the canvas, outputs in the inspector.
    await page.locator('#test-input').fill('{ "body": { "amount": 150 } }');
    await page.getByRole('button', { name: '▶ Test run' }).click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toBe('succeeded');
    await expect
      .poll(() => page.getByTestId('node-request').getAttribute('data-status'))
      .toBe('succeeded');
    await expect
      .poll(() => page.getByTestId('node-request_2').getAttribute('data-status'))
      .toBe('skipped');
    await page.getByTestId('timeline-request').click();
    await expect(page.locator('.fs-inspector').textContent()).resolves.toContain('/big');
    await page.screenshot({ path: join(SCREENSHOTS, 'editor-test-run.png') });

    // Publish, activate from the list, and call the webhook.
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect
      .poll(() => page.locator('.fs-editor-toolbar').textContent())
      .toContain('published v');
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByRole('switch', { name: 'Active: Order router' }).click();
    await expect
      .poll(() => page.getByRole('switch', { name: 'Active: Order router' }).isChecked())
      .toBe(true);
    const small = await callWebhook(50);
    expect(small).toMatchObject({ status: 200, body: { body: { route: '/small' } } });
    expect(target.calls).toContain('/small');

    // The execution is in the list; its page shows the run.
    await page.getByRole('link', { name: 'Executions' }).click();
    const row = page.getByTestId(`execution-${small.executionId}`);
    await row.waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'executions.png') });
    await row.getByRole('link').first().click();
    await expect.poll(() => page.getByTestId('execution-status').textContent()).toBe('succeeded');
    await page.screenshot({ path: join(SCREENSHOTS, 'execution-detail.png') });

    // Edit and publish a second version, then roll back to the first published one.
    await page.goBack();
    await page.goBack();
    await page.getByRole('link', { name: 'Order router' }).first().click();
    await page.waitForSelector('.react-flow__node[data-id="request_2"]');
    await setParam('request_2', 'url', `${target.url}/tiny`);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect
      .poll(async () => (await callWebhook(50)).body)
      .toMatchObject({
        body: { route: '/tiny' },
      });
    await page.getByRole('tab', { name: 'Versions' }).click();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('version-2').getByRole('button', { name: 'Roll back to this' }).click();
    await expect
      .poll(async () => (await callWebhook(50)).body)
      .toMatchObject({
        body: { route: '/small' },
      });
    // Compare the published version with the edited one: the changed node is highlighted.
    await page.getByRole('checkbox', { name: 'Compare version 2' }).check();
    await page.getByRole('checkbox', { name: 'Compare version 3' }).check();
    await page.getByRole('button', { name: 'Compare selected' }).click();
    await expect
      .poll(() => page.getByRole('list', { name: 'Differences' }).textContent())
      .toMatch(/url/);
    await expect
      .poll(() => page.locator('.fs-node.diff-changed').count())
      .toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'versions.png') });
    await page.getByRole('button', { name: 'Close diff' }).click();
    expect(pageErrors).toEqual([]);
  });
});
