import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { eventually, ServerProcess } from '../server-process.js';

/** A local HTTP server that answers after `delayMs`, counting requests per idempotency key. */
async function slowServer(delayMs: number) {
  const keys = new Map<string, number>();
  let started = 0;
  const server: Server = createServer((req, res) => {
    started += 1;
    const key = String(req.headers['idempotency-key']);
    keys.set(key, (keys.get(key) ?? 0) + 1);
    req.resume();
    const timer = setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ slow: true }));
    }, delayMs);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    get started() {
      return started;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function slowWorkflow(target: string) {
  return {
    id: 'slow-call',
    schemaVersion: 1,
    name: 'Shutdown test: slow call',
    nodes: [
      {
        id: 'hook',
        name: 'Hook',
        type: 'trigger.webhook',
        params: { path: 'slow', method: 'POST' },
      },
      {
        id: 'call',
        name: 'Call',
        type: 'http.request',
        params: { method: 'GET', url: `${target}/slow` },
        timeoutMs: 30_000,
      },
      { id: 'after', name: 'After', type: 'transform.set', params: { fields: { after: true } } },
    ],
    edges: [
      { id: 'e1', from: 'hook', to: 'call' },
      { id: 'e2', from: 'call', to: 'after' },
    ],
  };
}

let server: ServerProcess | undefined;
let target: Awaited<ReturnType<typeof slowServer>> | undefined;
afterEach(async () => {
  await server?.cleanup();
  await target?.close();
  server = undefined;
  target = undefined;
});

async function startSlowExecution(process: ServerProcess): Promise<string> {
  const res = await fetch(`${process.url}/hooks/slow`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(202);
  return res.headers.get('x-flowstate-execution-id')!;
}

function exitCode(process: ServerProcess): Promise<number | null> {
  return process.exited().then(() => process.child!.exitCode);
}

describe('graceful shutdown on SIGTERM', () => {
  test('a running step finishes and is recorded before the process exits 0', async () => {
    target = await slowServer(1500);
    server = new ServerProcess([slowWorkflow(target.url)]);
    await server.start();
    const executionId = await startSlowExecution(server);
    await eventually(() => target!.started === 1, 10_000, 'the slow call to start');
    server.child!.kill('SIGTERM');
    expect(await exitCode(server)).toBe(0);
    const [row] = server.query<{ status: string }>(
      'SELECT status FROM executions WHERE id = ?',
      executionId,
    );
    expect(row?.status).toBe('succeeded');
    expect(target.started).toBe(1);
  });

  test('a step still running after the grace period is released and runs again after restart', async () => {
    target = await slowServer(4000);
    server = new ServerProcess([slowWorkflow(target.url)]);
    await server.start({ FLOWSTATE_SHUTDOWN_GRACE_MS: '300' });
    const executionId = await startSlowExecution(server);
    await eventually(() => target!.started === 1, 10_000, 'the slow call to start');
    const signalled = Date.now();
    server.child!.kill('SIGTERM');
    expect(await exitCode(server)).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(3500);
    const [step] = server.query<{ status: string; lease_owner: string | null }>(
      "SELECT status, lease_owner FROM steps WHERE execution_id = ? AND key = 'call'",
      executionId,
    );
    // Not recorded as failed: left running with no lease, for the next worker to claim.
    expect(step).toEqual({ status: 'running', lease_owner: null });

    await server.start();
    await eventually(
      () =>
        server!.query<{ status: string }>(
          'SELECT status FROM executions WHERE id = ?',
          executionId,
        )[0]?.status === 'succeeded',
      15_000,
      'the released execution to finish after restart',
    );
    // At least once: the call ran again with the same idempotency key.
    expect([...target.keys.values()]).toEqual([2]);
  });
});
