import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadConfig } from './config.js';
import { startServer } from './start.js';
import { chain, jsonata, webhook } from './testing/workflows.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowstate-start-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('startServer listens on a real port, serves workflows from the folder, and closes cleanly', async () => {
  const workflowsDir = join(dir, 'workflows');
  await mkdir(workflowsDir);
  await writeFile(
    join(workflowsDir, 'ping.json'),
    JSON.stringify(chain('Ping', [webhook('ping'), jsonata('v', '"pong"')])),
  );
  const config = loadConfig({
    FLOWSTATE_DATA_DIR: join(dir, 'data'),
    PORT: '0',
    FLOWSTATE_WORKFLOWS_DIR: workflowsDir,
    FLOWSTATE_SQLITE_SYNCHRONOUS: 'NORMAL',
  });
  const running = await startServer(config, { logDestination: { write: () => undefined } });
  try {
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${running.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${running.url}/readyz`)).json()).toEqual({ status: 'ready' });
    const res = await fetch(`${running.url}/hooks/ping`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe('pong');
  } finally {
    await running.close();
  }
  await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  // The data folder lock was released: a second server can open it.
  const again = await startServer(config, { logDestination: { write: () => undefined } });
  await again.close();
});

test('logs carry the execution id and step key of the step they are about', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const logDestination = {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  };
  const workflowsDir = join(dir, 'workflows');
  await mkdir(workflowsDir);
  await writeFile(
    join(workflowsDir, 'boom.json'),
    JSON.stringify(
      chain('Boom', [
        webhook('boom'),
        {
          id: 'bad',
          name: 'Bad',
          type: 'transform.jsonata',
          params: { expression: '$error("kaput")' },
          retry: { maxAttempts: 1 },
        },
      ]),
    ),
  );
  const config = loadConfig({
    FLOWSTATE_DATA_DIR: join(dir, 'data'),
    PORT: '0',
    FLOWSTATE_WORKFLOWS_DIR: workflowsDir,
    FLOWSTATE_SQLITE_SYNCHRONOUS: 'NORMAL',
  });
  const running = await startServer(config, { logDestination });
  try {
    const res = await fetch(`${running.url}/hooks/boom`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(500);
    const executionId = res.headers.get('x-flowstate-execution-id');
    const failure = lines.find((line) => line.msg === 'step failed');
    expect(failure).toMatchObject({ executionId, stepKey: 'bad', nodeType: 'transform.jsonata' });
    expect(JSON.stringify(failure)).toContain('kaput');
  } finally {
    await running.close();
  }
});
