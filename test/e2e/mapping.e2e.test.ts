import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServerProcess } from '../server-process.js';
import { browserAvailable, launch, openPage } from './browser.js';

let browser: Browser;
let flowstate: ServerProcess;
let page: Page;

/** A manual trigger feeding `datetime.format`, whose value is already mapped. */
const workflow = {
  id: 'dates',
  schemaVersion: 1,
  name: 'Dates',
  nodes: [
    { id: 'start', name: 'Start', type: 'trigger.manual', params: {}, position: { x: 0, y: 0 } },
    {
      id: 'format',
      name: 'Format',
      type: 'datetime.format',
      params: { value: '{{ $input.createdAt }}' },
      position: { x: 260, y: 0 },
    },
  ],
  edges: [{ id: 'e1', from: 'start', to: 'format' }],
};

beforeAll(async () => {
  if (!browserAvailable) return;
  flowstate = new ServerProcess([]);
  await flowstate.start();
  browser = await launch();
  ({ page } = await openPage(browser, flowstate.url));
  await page.goto('/');
  await page.getByLabel('Email').fill('owner@example.com');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create owner' }).click();
  await page.getByRole('heading', { name: 'Workflows' }).waitFor();
  const status = await page.evaluate(async (body) => {
    const csrf = /fs_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
    const res = await fetch('/api/v1/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
      body: JSON.stringify(body),
    });
    return res.status;
  }, workflow);
  expect(status).toBe(201);
});

afterAll(async () => {
  if (!browserAvailable) return;
  await browser?.close();
  await flowstate?.cleanup();
});

describe.skipIf(!browserAvailable)('data mapping in the editor', () => {
  test("after a test run, the properties panel maps the input's fields to params", async () => {
    await page.goto('/workflows/dates');
    await page.waitForSelector('.react-flow__node[data-id="format"]');
    await page.locator('.react-flow__node[data-id="format"]').click();
    await expect(page.locator('.fs-mapping').count()).resolves.toBe(0);
    await expect(page.locator('.fs-properties').textContent()).resolves.toContain(
      'Run the workflow once',
    );

    await page
      .locator('#test-input')
      .fill('{ "createdAt": "2024-03-10T12:00:00Z", "timezone": "Europe/Berlin", "locale": "de" }');
    await page.getByRole('button', { name: '▶ Test run' }).click();
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 20_000 })
      .toBe('succeeded');

    await page.locator('.react-flow__node[data-id="format"]').click();
    await page.getByRole('button', { name: 'Suggest mappings' }).click();
    const apply = page.getByRole('button', { name: 'Map timezone to timezone' });
    await apply.waitFor();
    await expect(page.getByRole('button', { name: 'Map locale to locale' }).count()).resolves.toBe(
      1,
    );
    await expect(page.getByRole('button', { name: /^Map .* to value$/ }).count()).resolves.toBe(0);
    await apply.click();
    await expect
      .poll(() => page.locator('#param-timezone').inputValue())
      .toBe('{{ $input.timezone }}');
  });
});
