import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { recordDefaults } from '@flowstate/crm';
import { SqliteStore } from '@flowstate/store-sqlite';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServerProcess } from '../server-process.js';
import { browserAvailable, launch, openPage } from './browser.js';

/** Where the screenshots of the docs are written (committed). */
const SCREENSHOTS = join(import.meta.dirname, '../../docs/screenshots');
/** Tasks seeded straight into the store before the server starts. */
const SEEDED_TASKS = 100_000;
const MINUTE = 60_000;

let browser: Browser;
let flowstate: ServerProcess;
let page: Page;
let pageErrors: string[];
let apiKey = '';
let followUpWorkflowId = '';

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${flowstate.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** 100,000 open tasks due a minute apart from tomorrow on (bulk import, no events). */
async function seedTasks(dataDir: string): Promise<void> {
  const store = await SqliteStore.open(dataDir);
  try {
    const now = Date.now();
    const start = now + 2 * 24 * 60 * MINUTE;
    const records = Array.from({ length: SEEDED_TASKS }, (_, i) => ({
      ...recordDefaults('task', now),
      id: `seed-${String(i).padStart(6, '0')}`,
      title: `Seeded task ${i}`,
      dueAt: start + i * MINUTE,
      priority: (i % 4) + 1,
      createdAt: now,
      updatedAt: now,
    }));
    await store.crm.importRecords({ type: 'task', records });
  } finally {
    await store.close();
  }
}

/** Number of task rows in the DOM (the windowed list renders only those in view). */
const domTaskRows = () => page.locator('[data-testid="task-scroll"] [role="row"]').count();

beforeAll(async () => {
  if (!browserAvailable) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  flowstate = new ServerProcess([]);
  const t0 = Date.now();
  await seedTasks(flowstate.dataDir);
  const t1 = Date.now();
  await flowstate.start();
  console.log(`seeded ${SEEDED_TASKS} tasks in ${t1 - t0} ms; server up in ${Date.now() - t1} ms`);
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
  // A workflow started by every deal stage change (trigger.entity on stage_changed).
  const installed = await api('POST', '/crm/templates/deal-stage-follow-up/install', {
    params: { followUpDays: 1 },
  });
  expect(installed.status).toBe(201);
  followUpWorkflowId = installed.body['workflowId'] as string;
  // A custom field on contacts, and two deals so the board is not empty.
  const field = await api('PUT', '/crm/fields/contact/motivation', {
    label: 'Motivation',
    type: 'text',
  });
  expect(field.status).toBe(200);
  for (const [name, amount] of [
    ['Jacquard loom retrofit', 12_000],
    ['Difference engine service', 3_000],
  ] as const) {
    expect((await api('POST', '/crm/deals', { name, amount, pipelineId: 'sales' })).status).toBe(
      201,
    );
  }
}, 300_000);

afterAll(async () => {
  if (!browserAvailable) return;
  await browser?.close();
  await flowstate?.cleanup();
});

describe.skipIf(!browserAvailable)('CRM in Chromium', () => {
  test('create a contact through the UI: field errors from the API, then the card and its tabs', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Contacts' })
      .click();
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    await page.getByRole('button', { name: 'New contact' }).click();
    const form = page.getByRole('form', { name: 'New contact' });
    await form.getByRole('button', { name: 'Create contact' }).click();
    // The API refuses an empty name; its detail shows beside the Name field.
    const nameRow = form.locator('.form-row', { has: page.getByLabel('Name') });
    await expect.poll(() => nameRow.getByRole('alert').count()).toBe(1);
    await form.getByLabel('Name').fill('Ada Lovelace');
    await form.getByLabel('Email').fill('ada@example.com');
    await form.getByLabel('Source').fill('conference');
    await form.getByRole('button', { name: 'Create contact' }).click();
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();

    await page.getByRole('tab', { name: 'Activity' }).click();
    const log = page.getByRole('form', { name: 'Log activity' });
    await log.getByLabel('Kind').selectOption('call');
    await log.getByLabel('Subject').fill('Intro call');
    await log.getByLabel('Body').fill('Interested in the engine');
    await log.getByRole('button', { name: 'Log' }).click();
    await page.getByRole('list', { name: 'Activity log' }).getByText('Intro call').waitFor();

    await page.getByRole('tab', { name: 'Tasks' }).click();
    const add = page.getByRole('form', { name: 'Add task' });
    await add.getByLabel('Task title').fill('Send the proposal');
    await add.getByLabel('Priority').selectOption('3');
    await add.getByRole('button', { name: 'Add task' }).click();
    const tasks = page.getByRole('table', { name: 'Tasks of this record' });
    await tasks.getByText('Send the proposal').waitFor();
    await tasks.getByRole('button', { name: 'Complete' }).click();
    await tasks.getByText('done').waitFor();

    await page.getByRole('tab', { name: 'Details' }).click();
    await page.getByLabel('Phone').fill('+44 20 7946 0000');
    await page.getByLabel('Motivation').fill('Wants the engine built');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    const saved = await api('GET', `/crm/contacts/${page.url().split('/').pop()!.split('?')[0]}`);
    expect(saved.body['custom']).toEqual({ motivation: 'Wants the engine built' });
    await page.screenshot({ path: join(SCREENSHOTS, 'crm-contact.png') });

    // Full-text search finds her.
    await page.getByRole('link', { name: 'Contacts', exact: true }).first().click();
    await page.getByLabel('Search contacts').fill('lovel');
    await page.getByRole('table', { name: 'Search results' }).getByText('Ada Lovelace').waitFor();
    expect(pageErrors).toEqual([]);
  });

  test('drag a deal through stages: a rule refuses one move and says why; the stage change starts a workflow', async () => {
    await page.getByRole('link', { name: 'Deals board' }).click();
    await page.getByRole('heading', { name: 'Pipeline board' }).waitFor();
    await page.getByRole('button', { name: 'New deal' }).click();
    const form = page.getByRole('form', { name: 'New deal' });
    await form.getByLabel('Deal name').fill('Analytical engine');
    await form.getByLabel('Amount').fill('5000');
    await form.getByRole('button', { name: 'Create deal' }).click();

    const column = (name: string) => page.getByRole('region', { name: `Stage ${name}` });
    const card = page.getByRole('listitem', { name: 'Analytical engine' });
    await column('Lead').getByRole('listitem', { name: 'Analytical engine' }).waitFor();

    // Qualified needs a contact: the move is refused, the card goes back and names the rule.
    await card.dragTo(column('Qualified'), { sourcePosition: { x: 12, y: 10 } });
    const refusal = card.getByRole('alert');
    await refusal.waitFor();
    await expect.poll(() => refusal.textContent()).toContain('requires contactId');
    await expect.poll(() => refusal.textContent()).toContain('rule requiredField');
    await column('Lead').getByRole('listitem', { name: 'Analytical engine' }).waitFor();
    expect(await column('Qualified').getByRole('listitem').count()).toBe(0);

    // Satisfy the rule (link the contact), then the same drag succeeds.
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.getByLabel('Contact').selectOption({ label: 'Ada Lovelace <ada@example.com>' });
    await card.getByRole('button', { name: 'Save deal' }).click();
    await card.getByRole('link', { name: 'contact' }).waitFor();
    await card.dragTo(column('Qualified'), { sourcePosition: { x: 12, y: 10 } });
    await column('Qualified').getByRole('listitem', { name: 'Analytical engine' }).waitFor();
    expect(await card.getByRole('alert').count()).toBe(0);

    // The keyboard way: "Move to…" on the card.
    await card.getByLabel('Move Analytical engine to…').selectOption({ label: 'Proposal' });
    await column('Proposal').getByRole('listitem', { name: 'Analytical engine' }).waitFor();
    // Won needs a close date: refused again, with the reason on the card.
    await card.getByLabel('Move Analytical engine to…').selectOption({ label: 'Won' });
    await expect.poll(() => card.getByRole('alert').textContent()).toContain('closeDate');
    await column('Proposal').getByRole('listitem', { name: 'Analytical engine' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'crm-board.png') });

    // The stage changes started the follow-up workflow: its runs show on the card.
    await card.getByRole('button', { name: 'Runs' }).click();
    const runs = card.getByRole('list', { name: 'Workflow runs' });
    await expect
      .poll(() => runs.getByRole('link', { name: followUpWorkflowId }).count(), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(2);
    await runs.getByRole('link', { name: followUpWorkflowId }).first().click();
    await page.waitForURL(/\/executions\//);
    await expect.poll(() => page.locator('main').textContent()).toContain('succeeded');

    // The follow-up task the workflow wrote is on the dashboard's next best actions.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const actions = page.getByRole('region', { name: 'Next best actions' });
    await actions
      .getByText(/Follow up on Analytical engine/)
      .first()
      .waitFor();
    await expect.poll(() => actions.textContent()).toMatch(/Due in .* \(priority \d\)/);
    const deals = page.getByRole('region', { name: 'Open deals by stage' });
    await expect
      .poll(() => deals.getByRole('row', { name: /Proposal/ }).textContent())
      .toContain('1');
    // An action links to its record: the task, then from the task to its deal on the board.
    await actions
      .getByRole('link', { name: /Follow up on Analytical engine/ })
      .first()
      .click();
    const selected = page.getByRole('region', { name: 'Selected task' });
    await selected.getByRole('link', { name: 'open its deal' }).click();
    await page.locator('.crm-card.focused[aria-label="Analytical engine"]').waitFor();
    expect(pageErrors).toEqual([]);
  });

  test('the task list renders a window of 100,000 tasks and scrolls to the far end', async () => {
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    await page
      .getByRole('table', { name: 'Task list' })
      .getByText('Seeded task 0', { exact: true })
      .waitFor();
    expect(await domTaskRows()).toBeGreaterThan(10);
    expect(await domTaskRows()).toBeLessThan(200);

    // Scroll to the bottom again and again: each time the next page loads, until the end.
    const most = await page.evaluate(async () => {
      const scroller = document.querySelector<HTMLElement>('[data-testid="task-scroll"]')!;
      const status = () => document.querySelector('[aria-label="Loaded tasks"]')?.textContent ?? '';
      let maxRows = 0;
      for (let i = 0; i < 5000 && !status().includes('all loaded'); i++) {
        scroller.scrollTop = scroller.scrollHeight;
        await new Promise((resolve) => setTimeout(resolve, 30));
        maxRows = Math.max(maxRows, scroller.querySelectorAll('[role="row"]').length);
      }
      scroller.scrollTop = scroller.scrollHeight;
      return maxRows;
    });
    expect(most).toBeLessThan(200);
    const status = page.getByRole('status', { name: 'Loaded tasks' });
    await expect.poll(() => status.textContent()).toMatch(/all loaded/);
    const loaded = Number(
      /^([\d,]+)/.exec((await status.textContent()) ?? '')?.[1]?.replace(/,/g, ''),
    );
    expect(loaded).toBeGreaterThanOrEqual(SEEDED_TASKS);
    await page
      .getByRole('table', { name: 'Task list' })
      .getByText(`Seeded task ${SEEDED_TASKS - 1}`, { exact: true })
      .waitFor();
    expect(await domTaskRows()).toBeLessThan(200);

    // Filters run on the server: urgent tasks only.
    await page
      .getByRole('group', { name: 'Task filters' })
      .getByLabel('Priority')
      .selectOption('4');
    await page
      .getByRole('table', { name: 'Task list' })
      .getByText('Seeded task 3', { exact: true })
      .waitFor();
    expect(
      await page
        .getByRole('table', { name: 'Task list' })
        .getByText('Seeded task 0', { exact: true })
        .count(),
    ).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
