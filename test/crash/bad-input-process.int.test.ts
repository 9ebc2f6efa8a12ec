import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, expect, test } from 'vitest';
import { ServerProcess } from '../server-process.js';

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.cleanup();
});

/**
 * POSTs with node:http, reading the response even when the server answers before the whole
 * body was sent (a 413 closes the connection; fetch would report EPIPE instead).
 */
function post(
  url: string,
  type: string,
  body: string,
): Promise<{ status: number; json: any } | 'connection-closed'> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': type } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server refused an oversized body by answering 413 and closing while we still wrote.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve('connection-closed');
      else reject(error);
    });
    req.end(body);
  });
}

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

test('a stream of oversized, deep and poisoned bodies: every one a 4xx, the server stays up with bounded memory', async () => {
  server = new ServerProcess([
    {
      id: 'echo',
      schemaVersion: 1,
      name: 'Echo',
      nodes: [
        { id: 'hook', name: 'Hook', type: 'trigger.webhook', params: { path: 'echo' } },
        {
          id: 'out',
          name: 'Out',
          type: 'transform.jsonata',
          params: { expression: '$input.body' },
        },
      ],
      edges: [{ id: 'e1', from: 'hook', to: 'out' }],
    },
  ]);
  await server.start();
  const pid = server.child!.pid!;
  const baseline = rssMiB(pid);
  const big = JSON.stringify({ blob: 'x'.repeat(10 * 1024 * 1024) });
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const bodies: Array<[string, string, number]> = [
    [big, 'application/json', 413],
    [deep, 'application/json', 400],
    ['{"__proto__":{"polluted":true}}', 'application/json', 400],
    ['{"a":', 'application/json', 400],
    ['<xml/>', 'application/xml', 415],
  ];
  let peak = baseline;
  for (let round = 0; round < 20; round++) {
    await Promise.all(
      bodies.map(async ([body, type, status]) => {
        const res = await post(`${server!.url}/hooks/echo`, type, body);
        if (res === 'connection-closed') {
          expect(status).toBe(413);
          return;
        }
        expect(res.status).toBe(status);
        expect(res.json.error.message.length).toBeGreaterThan(10);
      }),
    );
    peak = Math.max(peak, rssMiB(pid));
  }
  // 20 rounds sent 200 MB of oversized bodies: none of it may stay resident.
  expect(peak - baseline).toBeLessThan(150);
  const ok = await fetch(`${server.url}/hooks/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"still":"works"}',
  });
  expect(await ok.json()).toEqual({ still: 'works' });
  expect(server.query('SELECT id FROM workflows')).toEqual([{ id: 'echo' }]);
});
