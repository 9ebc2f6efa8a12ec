import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';
import { chain, delay, jsonata, manual } from '../testing/workflows.js';

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** A minimal EventSource over fetch: collects parsed events until closed. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: {
      authorization: `Bearer ${server.ownerKey}`,
      accept: 'text/event-stream',
      ...headers,
    },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const waiters: Array<() => void> = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let ended = false;
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(': ');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2);
          }
          if (fields.event === undefined) continue;
          events.push({
            ...(fields.id === undefined ? {} : { id: fields.id }),
            event: fields.event,
            data: JSON.parse(fields.data ?? 'null') as Record<string, unknown>,
          });
          for (const wake of waiters.splice(0)) wake();
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      for (const wake of waiters.splice(0)) wake();
    }
  })();
  return {
    res,
    events,
    get ended() {
      return ended;
    },
    /** Resolves once an event satisfies `predicate` (or fails after 5 s). */
    async until(predicate: (event: SseEvent) => boolean): Promise<SseEvent> {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (ended || Date.now() > deadline)
          throw new Error(`event not seen; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => controller.abort(),
  };
}

let server: ServerFixture;
let base: string;
beforeEach(async () => {
  server = await makeServer();
  base = await server.app.listen({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await server.close();
});

async function post(url: string, payload: object) {
  const res = await fetch(`${base}/api/v1${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.ownerKey}` },
    body: JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('live updates (Server-Sent Events)', () => {
  test('the global stream shows executions and steps as they commit, with ids', async () => {
    await post('/workflows?publish=true', {
      id: 'a',
      ...chain('a', [manual(), jsonata('v', '$input + 1')]),
    });
    const stream = await openStream(`${base}/api/v1/executions/stream`);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { body } = await post('/workflows/a/run?wait=5000', { input: 1 });
    const id = body.execution.id as string;
    const done = await stream.until(
      (e) => e.event === 'execution' && e.data.id === id && e.data.status === 'succeeded',
    );
    expect(done.id).toMatch(/^[\w-]+-\d+$/);
    const step = await stream.until((e) => e.event === 'step' && e.data.key === 'v');
    expect(step.data).toMatchObject({
      executionId: id,
      nodeType: 'transform.jsonata',
      status: 'succeeded',
    });
    // Summaries only: payloads come from the API.
    expect(step.data).not.toHaveProperty('output');
    stream.close();
  });

  test('filters by workflow and can leave steps out', async () => {
    await post('/workflows?publish=true', {
      id: 'a',
      ...chain('a', [manual(), jsonata('v', '1')]),
    });
    await post('/workflows?publish=true', {
      id: 'b',
      ...chain('b', [manual(), jsonata('v', '2')]),
    });
    const stream = await openStream(`${base}/api/v1/executions/stream?workflowId=b&steps=false`);
    await post('/workflows/a/run?wait=5000', {});
    const { body } = await post('/workflows/b/run?wait=5000', {});
    await stream.until((e) => e.data.id === body.execution.id && e.data.status === 'succeeded');
    expect(stream.events.every((e) => e.event === 'execution' && e.data.workflowId === 'b')).toBe(
      true,
    );
    stream.close();
  });

  test('resumes after Last-Event-ID without missing or repeating events', async () => {
    await post('/workflows?publish=true', {
      id: 'a',
      ...chain('a', [manual(), jsonata('v', '$input')]),
    });
    const first = await openStream(`${base}/api/v1/executions/stream?steps=false`);
    const one = await post('/workflows/a/run?wait=5000', { input: 1 });
    const seen = await first.until(
      (e) => e.data.id === one.body.execution.id && e.data.status === 'succeeded',
    );
    first.close();
    // While disconnected:
    const two = await post('/workflows/a/run?wait=5000', { input: 2 });
    const resumed = await openStream(`${base}/api/v1/executions/stream?steps=false`, {
      'last-event-id': seen.id!,
    });
    await resumed.until(
      (e) => e.data.id === two.body.execution.id && e.data.status === 'succeeded',
    );
    expect(resumed.events.some((e) => e.data.id === one.body.execution.id)).toBe(false);
    resumed.close();

    const stale = await openStream(`${base}/api/v1/executions/stream`, {
      'last-event-id': 'other-process-12',
    });
    await stale.until((e) => e.event === 'reset');
    stale.close();
  });

  test('one execution: a snapshot first, then its changes; 404 for an unknown id', async () => {
    await post('/workflows?publish=true', {
      id: 'slow',
      ...chain('slow', [manual(), delay('nap', 300), jsonata('after', '"done"')]),
    });
    const { body } = await post('/workflows/slow/run', {});
    const id = body.executionId as string;
    const stream = await openStream(`${base}/api/v1/executions/${id}/stream`);
    const snapshot = await stream.until((e) => e.event === 'snapshot');
    expect(snapshot.data.execution).toMatchObject({ id, status: 'running' });
    expect((snapshot.data.steps as Array<{ key: string }>).map((s) => s.key)).toContain('nap');
    await stream.until((e) => e.event === 'step' && e.data.key === 'after');
    await stream.until((e) => e.event === 'execution' && e.data.status === 'succeeded');
    expect(
      stream.events.every(
        (e) => e.event === 'snapshot' || e.data.id === id || e.data.executionId === id,
      ),
    ).toBe(true);
    stream.close();

    const missing = await fetch(`${base}/api/v1/executions/nope/stream`, {
      headers: { authorization: `Bearer ${server.ownerKey}`, accept: 'text/event-stream' },
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      'EXECUTION_NOT_FOUND',
    );
  });

  test('a client that does not accept text/event-stream gets a 406 naming the header', async () => {
    const res = await fetch(`${base}/api/v1/executions/stream`, {
      headers: { authorization: `Bearer ${server.ownerKey}` },
    });
    expect(res.status).toBe(406);
    const body = (await res.json()) as {
      error: { code: string; details: Array<{ path: string }> };
    };
    expect(body.error.code).toBe('NOT_ACCEPTABLE');
    expect(body.error.details[0]?.path).toBe('/headers/accept');
  });

  test('open streams do not hold up shutdown', async () => {
    const stream = await openStream(`${base}/api/v1/executions/stream`);
    await server.app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stream.ended).toBe(true);
  });
});

describe('metrics', () => {
  test('/metrics exposes executions, step durations, the queue and webhook latency', async () => {
    await post('/workflows?active=true', {
      id: 'hooked',
      ...chain('hooked', [
        { id: 'hook', type: 'trigger.webhook', name: 'Hook', params: { path: 'm' } },
        jsonata('v', '$input.body.n * 2'),
      ]),
    });
    expect(
      (
        await post('/workflows?publish=true', {
          id: 'slow',
          ...chain('slow', [manual(), delay('nap', 60_000)]),
        })
      ).status,
    ).toBe(201);
    await post('/workflows/slow/run', {});
    const hook = await fetch(`${base}/hooks/m`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":2}',
    });
    expect(await hook.json()).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const res = await fetch(`${base}/metrics`, {
      headers: { authorization: `Bearer ${server.ownerKey}` },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /flowstate_executions_finished_total\{workflow_id="hooked",status="succeeded"\} 1/,
    );
    expect(text).toMatch(
      /flowstate_step_duration_seconds_count\{node_type="transform.jsonata",status="succeeded"\} 1/,
    );
    expect(text).toMatch(/flowstate_steps\{status="waiting"\} 1/);
    expect(text).toMatch(/flowstate_webhook_duration_seconds_count\{status_class="2xx"\} 1/);
    expect(text).toMatch(/flowstate_process_resident_memory_bytes/);
  });
});
