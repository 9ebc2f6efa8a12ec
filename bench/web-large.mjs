#!/usr/bin/env node
/**
 * `node bench/web-large.mjs [--nodes 1000]`: opens a workflow of N nodes in the web app in
 * Debian's Chromium and measures (1) the time from navigation to every visible node drawn,
 * (2) frames per second while panning the canvas for 3 s, and (3) Chromium's own timeline
 * (scripting and layout time) for both. Needs `npm run build` first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium, spawnServer } from './lib.mjs';

const { values: args } = parseArgs({ options: { nodes: { type: 'string', default: '1000' } } });
const count = Number(args.nodes);

/** A chain of `count` transform nodes in a grid, with a branch every 10 nodes. */
function largeWorkflow() {
  const nodes = [
    { id: 'start', name: 'Start', type: 'trigger.manual', params: {}, position: { x: 0, y: 0 } },
  ];
  const edges = [];
  for (let i = 1; i < count; i++) {
    nodes.push({
      id: `n${i}`,
      name: `Step ${i}`,
      type: 'transform.set',
      params: { fields: { [`f${i}`]: `{{ $input.f${i - 1} ?? ${i} }}` } },
      position: { x: (i % 25) * 240, y: Math.floor(i / 25) * 140 },
    });
    edges.push({ id: `e${i}`, from: i === 1 ? 'start' : `n${i - 1}`, to: `n${i}` });
  }
  return { schemaVersion: 1, name: `Large (${count} nodes)`, nodes, edges };
}

const dir = mkdtempSync(join(tmpdir(), 'flowstate-web-bench-'));
const server = await spawnServer('packages/cli/bin/flowstate.js', ['start'], {
  FLOWSTATE_DATA_DIR: join(dir, 'data'),
  FLOWSTATE_LOG_LEVEL: 'warn',
});
const url = server.url;
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  // Owner and workflow through the API, as a signed-in browser would.
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
  const created = await page.evaluate(async (workflow) => {
    const csrf = decodeURIComponent(/fs_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '');
    const res = await fetch('/api/v1/workflows', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ id: 'large', ...workflow }),
    });
    return res.status;
  }, largeWorkflow());
  if (created !== 201) throw new Error(`creating the workflow failed: ${created}`);

  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () =>
    Object.fromEntries(
      (await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]),
    );

  // (1) Open the editor: navigation start to the canvas drawn with its visible nodes.
  const before = await metrics();
  const started = Date.now();
  await page.goto(`${url}/workflows/large`);
  await page.waitForSelector('.react-flow__node');
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length > 0);
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
  const loadMs = Date.now() - started;
  const afterLoad = await metrics();
  const drawn = await page.locator('.react-flow__node').count();

  // (2) Pan for 3 s by dragging the pane, counting animation frames in the page.
  const pane = await page.locator('.react-flow__pane').boundingBox();
  await page.evaluate(() => {
    window.__frames = [];
    const tick = (t) => {
      window.__frames.push(t);
      if (window.__frames.length < 100000) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const cx = pane.x + pane.width / 2;
  const cy = pane.y + pane.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  const panStart = Date.now();
  let step = 0;
  while (Date.now() - panStart < 3000) {
    step += 1;
    const dx = Math.sin(step / 20) * 300;
    const dy = Math.cos(step / 25) * 150;
    await page.mouse.move(cx + dx, cy + dy);
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => window.__frames);
  const afterPan = await metrics();
  const span = (frames.at(-1) - frames[0]) / 1000;
  const fps = (frames.length - 1) / span;
  const gaps = frames
    .slice(1)
    .map((t, i) => t - frames[i])
    .sort((a, b) => a - b);
  const p95Frame = gaps[Math.floor(gaps.length * 0.95)];

  console.log(
    `Web app, large workflow — ${new Date().toISOString()} — ${cpus().length} cores, Chromium headless (no GPU), viewport 1440x900`,
  );
  console.log(
    `  workflow: ${count} nodes, ${count - 1} edges; nodes drawn in the first view (fitted to the screen): ${drawn}`,
  );
  console.log(`  open the editor: ${loadMs} ms from navigation to nodes and edges drawn`);
  console.log(
    `    Chromium timeline: script ${Math.round((afterLoad.ScriptDuration - before.ScriptDuration) * 1000)} ms, layout ${Math.round((afterLoad.LayoutDuration - before.LayoutDuration) * 1000)} ms, style ${Math.round((afterLoad.RecalcStyleDuration - before.RecalcStyleDuration) * 1000)} ms, JS heap ${Math.round(afterLoad.JSHeapUsedSize / 2 ** 20)} MiB`,
  );
  console.log(
    `  pan for ${span.toFixed(1)} s (${step} mouse moves): ${fps.toFixed(1)} frames/s, p95 frame ${p95Frame.toFixed(1)} ms`,
  );
  console.log(
    `    Chromium timeline: script ${Math.round((afterPan.ScriptDuration - afterLoad.ScriptDuration) * 1000)} ms, layout ${Math.round((afterPan.LayoutDuration - afterLoad.LayoutDuration) * 1000)} ms during the pan`,
  );
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
