#!/usr/bin/env node
/**
 * `node bench/crm-web.mjs [--tasks 100000]`: seeds N open CRM tasks into a fresh data folder,
 * opens the task list in Debian's Chromium and measures (1) the time to the first rows,
 * (2) frame times while scrolling with the mouse wheel for 3 s, (3) scrolling to the far end
 * (every page fetched by cursor) and the frame times meanwhile; and the most task rows the
 * DOM ever held (the list is windowed). Needs `npm run build` first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium, spawnServer } from './lib.mjs';
import { recordDefaults } from '@flowstate/crm';
import { SqliteStore } from '@flowstate/store-sqlite';

const { values: args } = parseArgs({ options: { tasks: { type: 'string', default: '100000' } } });
const count = Number(args.tasks);
const MINUTE = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'flowstate-crm-web-bench-'));
const dataDir = join(dir, 'data');

const seedStart = Date.now();
const store = await SqliteStore.open(dataDir);
const now = Date.now();
await store.crm.importRecords({
  type: 'task',
  records: Array.from({ length: count }, (_, i) => ({
    ...recordDefaults('task', now),
    id: `seed-${String(i).padStart(7, '0')}`,
    title: `Seeded task ${i}`,
    dueAt: now + MINUTE + i * MINUTE,
    priority: (i % 4) + 1,
    createdAt: now,
    updatedAt: now,
  })),
});
await store.close();
const seedMs = Date.now() - seedStart;

const server = await spawnServer('packages/cli/bin/flowstate.js', ['start'], {
  FLOWSTATE_DATA_DIR: dataDir,
  FLOWSTATE_LOG_LEVEL: 'warn',
});
const url = server.url;
const browser = await launchChromium();

/** Frame gaps (ms) recorded by requestAnimationFrame between `start` and `stop`. */
const recordFrames = (page) =>
  page.evaluate(() => {
    window.__frames = [];
    window.__maxRows = 0;
    const tick = (t) => {
      window.__frames.push(t);
      const rows = document.querySelectorAll('[data-testid="task-scroll"] [role="row"]').length;
      window.__maxRows = Math.max(window.__maxRows, rows);
      if (!window.__stop) requestAnimationFrame(tick);
    };
    window.__stop = false;
    requestAnimationFrame(tick);
  });
const stopFrames = async (page) => {
  const { frames, maxRows } = await page.evaluate(() => {
    window.__stop = true;
    return { frames: window.__frames, maxRows: window.__maxRows };
  });
  const gaps = frames
    .slice(1)
    .map((t, i) => t - frames[i])
    .sort((a, b) => a - b);
  const span = (frames.at(-1) - frames[0]) / 1000;
  const at = (q) => gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * q))] ?? 0;
  return {
    fps: (frames.length - 1) / span,
    p50: at(0.5),
    p95: at(0.95),
    max: gaps.at(-1) ?? 0,
    over50: gaps.filter((g) => g > 50).length,
    maxRows,
    span,
  };
};
const fmt = (f) =>
  `${f.fps.toFixed(1)} frames/s, frame p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(0)} ms, ${f.over50} frames over 50 ms; at most ${f.maxRows} rows in the DOM`;

try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  const setup = await page.evaluate(async () => {
    const res = await fetch('/api/v1/setup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench@example.com', password: 'bench password 123' }),
    });
    return res.status;
  });
  if (setup !== 201) throw new Error(`setup failed: ${setup}`);

  // (1) Open the task list.
  const opened = Date.now();
  await page.goto(`${url}/crm/tasks`);
  await page.waitForSelector('[data-testid="task-scroll"] [role="row"]');
  const openMs = Date.now() - opened;

  // (2) Wheel-scroll the loaded rows for 3 s.
  const box = await page.locator('[data-testid="task-scroll"]').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await recordFrames(page);
  const wheelStart = Date.now();
  let wheels = 0;
  while (Date.now() - wheelStart < 3000) {
    await page.mouse.wheel(0, 400);
    wheels += 1;
  }
  const wheel = await stopFrames(page);

  // (3) To the far end: jump to the bottom until every page is loaded.
  await recordFrames(page);
  const endStart = Date.now();
  await page.evaluate(async () => {
    const scroller = document.querySelector('[data-testid="task-scroll"]');
    const status = () => document.querySelector('[aria-label="Loaded tasks"]')?.textContent ?? '';
    while (!status().includes('all loaded')) {
      scroller.scrollTop = scroller.scrollHeight;
      await new Promise((resolve) => setTimeout(resolve, 16));
    }
  });
  const endMs = Date.now() - endStart;
  const toEnd = await stopFrames(page);
  const loaded = await page.locator('[aria-label="Loaded tasks"]').textContent();

  console.log(
    `Web app, CRM task list — ${new Date().toISOString()} — ${cpus().length} cores, Chromium headless (no GPU), viewport 1440x900`,
  );
  console.log(`  seeded ${count} tasks (bulk import) in ${seedMs} ms`);
  console.log(`  open the task list: ${openMs} ms from navigation to the first rows`);
  console.log(
    `  wheel scroll for ${wheel.span.toFixed(1)} s (${wheels} wheel events): ${fmt(wheel)}`,
  );
  console.log(`  scroll to the far end (${loaded.trim()}): ${endMs} ms; ${fmt(toEnd)}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
