import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { NonRetriableError, RetryAfterError, type CredentialValue } from '@flowstate/core';
import { testNode } from '@flowstate/sdk';
import { AddressNotAllowedError } from '../http/address-policy.js';
import { createSlackMessageNode } from './slack-message.js';
import { createTeamsMessageNode } from './teams-message.js';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** Answers by path, the way Slack and Teams answer their webhooks. */
const routes: Record<string, (res: ServerResponse) => void> = {
  '/slack/ok': (res) => res.end('ok'),
  '/slack/invalid': (res) => res.writeHead(400).end('invalid_payload'),
  '/slack/archived': (res) => res.writeHead(410).end('channel_is_archived'),
  '/slack/busy': (res) => res.writeHead(429, { 'retry-after': '30' }).end('rate_limited'),
  '/slack/down': (res) => res.writeHead(503).end('service unavailable'),
  '/teams/ok': (res) => res.writeHead(202).end(),
  '/teams/legacy-throttled': (res) =>
    res.end(
      'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429',
    ),
  '/teams/gone': (res) => res.writeHead(404).end('Not Found'),
};

const seen: Seen[] = [];
let server: Server;
let base: string;
const options = { allowedHosts: ['127.0.0.1'] };
const slack = createSlackMessageNode(options);
const teams = createTeamsMessageNode(options);

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(body) });
      const route = routes[req.url ?? ''];
      if (route) route(res);
      else res.writeHead(418).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

const hook = (path: string): CredentialValue => ({
  id: 'cred-hook',
  name: 'Channel webhook',
  type: 'webhook-url',
  data: { url: `${base}${path}` },
});

const post = (
  node: typeof slack | typeof teams,
  path: string,
  params: Record<string, unknown>,
  extra: Parameters<typeof testNode>[1] = {},
) =>
  testNode(node as typeof slack, {
    credentials: { credential: hook(path) },
    ...extra,
    params: { credential: 'cred-hook', ...params },
  });

describe('slack.message against a local webhook server', () => {
  test('posts text and blocks as Slack JSON', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*New deal*' } }];
    const result = await post(slack, '/slack/ok', {
      text: 'New deal',
      blocks,
      threadTs: '1712345678.000100',
    });
    expect(result.output).toEqual({ ok: true, status: 200, response: 'ok' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(seen[0]!.body).toEqual({
      text: 'New deal',
      blocks,
      thread_ts: '1712345678.000100',
      unfurl_links: false,
    });
  });

  test("Slack's text error bodies become clear, non-retriable errors", async () => {
    const invalid = post(slack, '/slack/invalid', { text: 'x' });
    await expect(invalid).rejects.toBeInstanceOf(NonRetriableError);
    await expect(invalid).rejects.toThrow(
      'Slack refused the message (HTTP 400 invalid_payload): the message is not valid Slack JSON (check blocks)',
    );
    await expect(invalid).rejects.toMatchObject({ code: 'SLACK_INVALID_PAYLOAD' });
    await expect(post(slack, '/slack/archived', { text: 'x' })).rejects.toThrow(
      'the channel of this webhook is archived',
    );
  });

  test('429 is retried after Retry-After; 5xx is retriable', async () => {
    const busy = post(slack, '/slack/busy', { text: 'x' });
    await expect(busy).rejects.toBeInstanceOf(RetryAfterError);
    await expect(busy).rejects.toMatchObject({ retryAfterMs: 30_000, code: 'HTTP_429' });
    const down = post(slack, '/slack/down', { text: 'x' });
    await expect(down).rejects.toMatchObject({ code: 'HTTP_503' });
    await expect(down).rejects.not.toBeInstanceOf(NonRetriableError);
  });

  test('error messages name the origin only, never the secret path', async () => {
    await expect(post(slack, '/slack/down', { text: 'x' })).rejects.toThrow(
      new RegExp(`^Slack webhook ${base.replace(/[.]/g, '\\.')} answered HTTP 503`),
    );
  });

  test('a loopback webhook is refused when not allow-listed', async () => {
    const guarded = createSlackMessageNode();
    await expect(post(guarded, '/slack/ok', { text: 'x' })).rejects.toBeInstanceOf(
      AddressNotAllowedError,
    );
    expect(seen).toHaveLength(0);
  });

  test('simulation returns the exact request with the URL masked, and sends nothing', async () => {
    const result = await post(slack, '/slack/ok', { text: 'hello' }, { simulate: true });
    expect(seen).toHaveLength(0);
    expect(result.output).toEqual({
      simulated: true,
      request: {
        method: 'POST',
        url: `${base}/[redacted]`,
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'Flowstate' },
        body: { text: 'hello', unfurl_links: false },
      },
      result: { ok: true },
    });
  });

  test('a message needs text or blocks', async () => {
    await expect(post(slack, '/slack/ok', { text: ' ' })).rejects.toThrow(
      'text: give a text or at least one block',
    );
  });
});

describe('teams.message against a local webhook server', () => {
  test('text becomes a simple Adaptive Card message', async () => {
    const result = await post(teams, '/teams/ok', { title: 'Deal won', text: 'Acme signed' });
    expect(result.output).toEqual({ ok: true, status: 202, response: '' });
    expect(seen[0]!.body).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            type: 'AdaptiveCard',
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: 'Deal won', weight: 'Bolder', size: 'Medium', wrap: true },
              { type: 'TextBlock', text: 'Acme signed', wrap: true },
            ],
          },
        },
      ],
    });
  });

  test('an Adaptive Card is wrapped; a MessageCard is sent as is', async () => {
    const card = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'TextBlock', text: 'Hi' }],
    };
    await post(teams, '/teams/ok', { format: 'adaptiveCard', card });
    const messageCard = { '@type': 'MessageCard', summary: 'Hi', text: 'Hi' };
    await post(teams, '/teams/ok', { format: 'messageCard', card: messageCard });
    expect(seen.map((s) => s.body)).toEqual([
      {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            contentUrl: null,
            content: card,
          },
        ],
      },
      messageCard,
    ]);
  });

  test('a legacy 200 "delivery failed ... 429" answer is retriable; 404 is not', async () => {
    const throttled = post(teams, '/teams/legacy-throttled', { text: 'x' });
    await expect(throttled).rejects.toMatchObject({ code: 'TEAMS_THROTTLED' });
    await expect(throttled).rejects.not.toBeInstanceOf(NonRetriableError);
    const gone = post(teams, '/teams/gone', { text: 'x' });
    await expect(gone).rejects.toBeInstanceOf(NonRetriableError);
    await expect(gone).rejects.toThrow('the webhook no longer exists');
  });

  test('bad cards are refused before sending', async () => {
    await expect(post(teams, '/teams/ok', { format: 'adaptiveCard' })).rejects.toThrow(
      'card: is required when format is adaptiveCard or messageCard',
    );
    await expect(
      post(teams, '/teams/ok', { format: 'adaptiveCard', card: { type: 'Other' } }),
    ).rejects.toThrow('card.type must be "AdaptiveCard"');
    expect(seen).toHaveLength(0);
  });
});
