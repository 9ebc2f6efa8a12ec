import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Workflow } from '@flowstate/core';
import { apiClient } from './testing/api-client.js';
import { makeServer, type ServerFixture } from './testing/server-fixture.js';
import { chain, manual } from './testing/workflows.js';

/**
 * The messaging nodes inside real workflows: credentials made through the API, the engine's
 * retries (a greylisted SMTP attempt, a Slack 429 with Retry-After) and the journal's redaction.
 */
const SMTP_PASSWORD = 'smtp-secret-7f3a';
const delivered: { to: string[]; raw: string }[] = [];
let smtp: SMTPServer;
let smtpPort: number;
let refusedOnce = false;

const slackBodies: unknown[] = [];
let slack: Server;
let slackBase: string;
let slackBusyOnce = false;

beforeAll(async () => {
  smtp = new SMTPServer({
    authMethods: ['PLAIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (auth, _session, callback) =>
      auth.password === SMTP_PASSWORD
        ? callback(null, { user: auth.username })
        : callback(Object.assign(new Error('bad credentials'), { responseCode: 535 })),
    onRcptTo: (_rcpt, _session, callback) => {
      if (refusedOnce) return callback();
      refusedOnce = true;
      callback(Object.assign(new Error('Greylisted, try again later'), { responseCode: 451 }));
    },
    onData: (stream, session, callback) => {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        delivered.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;

  slack = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      slackBodies.push(JSON.parse(body));
      if (!slackBusyOnce) {
        slackBusyOnce = true;
        res.writeHead(429, { 'retry-after': '1' }).end('rate_limited');
      } else {
        res.end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
  slackBase = `http://127.0.0.1:${(slack.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  slack.closeAllConnections();
  await new Promise((resolve) => slack.close(resolve));
});

let fixture: ServerFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** A server whose chat nodes may reach the local test servers. */
async function setup() {
  fixture = await makeServer({ http: { allowedHosts: ['127.0.0.1'] } });
  return { call: apiClient(fixture) };
}

async function start(call: ReturnType<typeof apiClient>, node: Workflow['nodes'][number]) {
  await call('POST', '/workflows?active=true', {
    id: 'wf',
    ...chain('Messaging', [manual(), node]),
  });
  const run = await call('POST', '/workflows/wf/run?wait=20000', { input: { name: 'Ada' } });
  expect(run.status).toBe(200);
  return run.body as { executionId: string; execution: { status: string } };
}

describe('messaging nodes in workflows', () => {
  test('email.send: a greylisted first attempt is retried by the engine and delivered once', async () => {
    const { call } = await setup();
    const credential = await call('POST', '/credentials', {
      name: 'Mail relay',
      type: 'smtp',
      data: {
        host: '127.0.0.1',
        port: smtpPort,
        username: 'robot@acme.example',
        password: SMTP_PASSWORD,
      },
    });
    expect(credential.status).toBe(201);
    const run = await start(call, {
      id: 'mail',
      type: 'email.send',
      name: 'Mail',
      params: {
        credential: credential.body.id,
        to: 'ann@example.com',
        subject: 'Hello {{ $trigger.name }}',
        text: 'Welcome, {{ $trigger.name }}',
      },
      retry: { maxAttempts: 3, backoff: 'fixed', delayMs: 10, maxDelayMs: 10, jitter: false },
    });
    expect(run.execution.status).toBe('succeeded');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.to).toEqual(['ann@example.com']);
    expect(delivered[0]!.raw).toContain('Subject: Hello Ada');
    expect(delivered[0]!.raw).toContain(`X-Flowstate-Idempotency-Key: ${run.executionId}:mail`);

    const detail = await call('GET', `/executions/${run.executionId}`);
    const step = (detail.body.steps as { key: string; attempt: number; output: unknown }[]).find(
      (s) => s.key === 'mail',
    )!;
    expect(step.attempt).toBe(2);
    expect(step.output).toMatchObject({ accepted: ['ann@example.com'], rejected: [] });
    expect(JSON.stringify(detail.body)).not.toContain(SMTP_PASSWORD);
  });

  test('slack.message: a 429 is retried after Retry-After, the URL stays secret', async () => {
    const { call } = await setup();
    const url = `${slackBase}/services/T000/B000/secret-token-123`;
    const credential = await call('POST', '/credentials', {
      name: 'Sales channel',
      type: 'webhook-url',
      data: { url },
    });
    expect(credential.status).toBe(201);
    const run = await start(call, {
      id: 'post',
      type: 'slack.message',
      name: 'Post',
      params: { credential: credential.body.id, text: 'New lead: {{ $trigger.name }}' },
      retry: { maxAttempts: 2, backoff: 'fixed', delayMs: 10, maxDelayMs: 10, jitter: false },
    });
    expect(run.execution.status).toBe('succeeded');
    expect(slackBodies).toEqual([
      { text: 'New lead: Ada', unfurl_links: false },
      { text: 'New lead: Ada', unfurl_links: false },
    ]);
    const detail = await call('GET', `/executions/${run.executionId}`);
    const step = (detail.body.steps as { key: string; attempt: number }[]).find(
      (s) => s.key === 'post',
    )!;
    expect(step.attempt).toBe(2);
    expect(JSON.stringify(detail.body)).not.toContain('secret-token-123');
  });
});
