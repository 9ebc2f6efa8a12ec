import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { defineNode, type JsonValue } from '@flowstate/sdk';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makeServer, type ServerFixture } from '../testing/server-fixture.js';

/**
 * Plants a canary secret in a credential, runs workflows that use it (the real http.request
 * against a real local server that echoes the secret back, and a careless node that puts it
 * in its output, its logs and its error), then looks for the canary everywhere it must not
 * be: every API response, every row of every table and the database files, every log line.
 */
const CANARY = 'canary-7c4f9e2a-d1b3-4e55-9a0f-secret';
/** The access token the OAuth2 token endpoint hands out: derived from a credential, secret too. */
const TOKEN_CANARY = 'token-canary-0b9d2f61-88aa-4c1e-secret';

let upstream: Server;
let base: string;
const received: string[] = [];
let server: ServerFixture;
const logLines: string[] = [];
const responses: string[] = [];

/** A node that mishandles its credential in every way it can. */
const leaky = defineNode({
  type: 'test.leaky',
  name: 'Leaky',
  group: 'action',
  description: 'Leaks its credential (test only).',
  params: z.object({ credential: z.string(), fail: z.boolean().default(false) }),
  credentials: { credential: ['secret'] },
  sideEffects: true,
  retryDefaults: { maxAttempts: 1 },
  run(ctx): JsonValue {
    const secret = String(ctx.credentials['credential']?.data['value']);
    ctx.logger.info(`using ${secret}`, { secret, nested: { again: `x${secret}x` } });
    if (ctx.params.fail) throw new Error(`could not use ${secret}`);
    return { echoed: secret, [secret]: 'as a key', list: [secret] };
  },
});

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/token') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ access_token: TOKEN_CANARY, token_type: 'bearer', expires_in: 3600 }),
      );
      return;
    }
    received.push(String(req.headers.authorization));
    const status = req.url === '/reject' ? 403 : 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ youSent: req.headers.authorization, url: req.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  server = await makeServer({
    http: { allowedHosts: ['127.0.0.1'] },
    extraNodes: [leaky],
    logDestination: { write: (line: string) => logLines.push(line) },
  });
});

afterAll(async () => {
  await server.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

async function api(method: string, url: string, payload?: object) {
  const res = await server.inject({
    method: method as 'GET',
    url: `/api/v1${url}`,
    ...(payload ? { payload } : {}),
  });
  responses.push(res.body);
  return res.json();
}

function node(id: string, type: string, params: object, extra: object = {}) {
  return { id, name: id, type, params, ...extra };
}

async function runWorkflow(id: string, nodes: ReturnType<typeof node>[]) {
  const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, from: nodes[i]!.id, to: n.id }));
  await api('POST', '/workflows?publish=true', { id, schemaVersion: 1, name: id, nodes, edges });
  const run = await api('POST', `/workflows/${id}/run?wait=10000`, { input: {} });
  await api('GET', `/executions/${run.executionId}`);
  return run.execution as { status: string; output?: unknown; error?: { message: string } };
}

test('a canary secret reaches the remote server and nothing else', async () => {
  const bearer = await api('POST', '/credentials', {
    name: 'Canary API',
    type: 'bearer',
    data: { token: CANARY },
  });
  const basic = await api('POST', '/credentials', {
    name: 'Canary basic',
    type: 'basic',
    data: { username: 'ada', password: CANARY },
  });
  const generic = await api('POST', '/credentials', {
    name: 'Canary secret',
    type: 'secret',
    data: { value: CANARY },
  });
  const oauth = await api('POST', '/credentials', {
    name: 'Canary OAuth',
    type: 'oauth2-client-credentials',
    data: { tokenUrl: `${base}/token`, clientId: 'client-1', clientSecret: CANARY },
  });
  const manual = node('start', 'trigger.manual', {});
  const http = (id: string, path: string, credential: string) =>
    node(id, 'http.request', { url: `${base}${path}`, credential }, { retry: { maxAttempts: 1 } });

  const echo = await runWorkflow('echo', [
    manual,
    http('call', '/echo', bearer.id),
    node('say', 'log', { message: '{{ "got " & $input.body.youSent }}', data: '{{ $input }}' }),
  ]);
  expect(echo.status).toBe('succeeded');
  expect(echo.output).toMatchObject({ body: { youSent: 'Bearer [redacted]' } });

  const oauthEcho = await runWorkflow('oauth', [
    manual,
    http('call', '/echo', oauth.id),
    node('say', 'log', { message: '{{ "got " & $input.body.youSent }}' }),
  ]);
  expect(oauthEcho.status).toBe('succeeded');
  expect(oauthEcho.output).toMatchObject({ body: { youSent: 'Bearer [redacted]' } });

  const basicEcho = await runWorkflow('basic', [manual, http('call', '/echo', basic.id)]);
  expect(basicEcho.output).toMatchObject({ body: { youSent: 'Basic [redacted]' } });

  const rejected = await runWorkflow('rejected', [manual, http('call', '/reject', bearer.id)]);
  expect(rejected.status).toBe('failed');
  expect(rejected.error?.message).toContain('[redacted]');

  const leakedOutput = await runWorkflow('leaky', [
    manual,
    node('leak', 'test.leaky', { credential: generic.id }),
  ]);
  expect(leakedOutput.output).toEqual({
    echoed: '[redacted]',
    '[redacted]': 'as a key',
    list: ['[redacted]'],
  });
  const leakedError = await runWorkflow('leaky-fails', [
    manual,
    node('leak', 'test.leaky', { credential: generic.id, fail: true }),
  ]);
  expect(leakedError.error?.message).toContain('could not use [redacted]');

  // The remote server got the real secret.
  expect(received).toContain(`Bearer ${CANARY}`);
  expect(received).toContain(`Bearer ${TOKEN_CANARY}`);
  expect(received).toContain(`Basic ${Buffer.from(`ada:${CANARY}`).toString('base64')}`);

  // No API response carries it.
  await api('GET', '/executions?limit=100');
  await api('GET', '/credentials');
  await api('GET', `/credentials/${bearer.id}`);
  await api('GET', `/credentials/${oauth.id}`);
  await api('GET', '/audit');
  for (const body of responses) {
    expect(body).not.toContain(CANARY);
    expect(body).not.toContain(TOKEN_CANARY);
  }

  // No row of any table, nor the database files, hold it (nor its base64 form).
  const forms = [CANARY, Buffer.from(`ada:${CANARY}`).toString('base64'), TOKEN_CANARY];
  const dataDir = join(server.dir, 'data');
  const db = new Database(join(dataDir, 'flowstate.db'), { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all() as Array<{ name: string }>;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['steps', 'executions']));
    const steps = db.prepare('SELECT count(*) AS n FROM executions').get() as { n: number };
    expect(steps.n).toBe(6);
    for (const { name } of tables) {
      const dump = JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all());
      for (const form of forms) expect(dump, `table ${name}`).not.toContain(form);
    }
  } finally {
    db.close();
  }
  for (const file of readdirSync(dataDir)) {
    const bytes = readFileSync(join(dataDir, file)).toString('latin1');
    for (const form of forms) expect(bytes.includes(form), file).toBe(false);
  }

  // No log line carries it, though the careless node logged it and requests were logged.
  expect(logLines.length).toBeGreaterThan(10);
  expect(logLines.some((line) => line.includes('using [redacted]'))).toBe(true);
  for (const line of logLines) for (const form of forms) expect(line).not.toContain(form);
});
