import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import type { Workflow } from '@flowstate/core';
import type { ExecutionRecord } from '@flowstate/engine';
import { signApprovalToken } from '../approvals/approval-tokens.js';
import {
  makeServer,
  sessionHeaders,
  TEST_OWNER,
  type ServerFixture,
} from '../testing/server-fixture.js';
import { manual, set } from '../testing/workflows.js';

let fixture: ServerFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const key = randomBytes(32);

/** manual -> wait.approval -> one node per port. */
function approvalWorkflow(params: Record<string, unknown> = {}): Workflow {
  return {
    schemaVersion: 1,
    name: 'Needs approval',
    nodes: [
      manual(),
      {
        id: 'ask',
        type: 'wait.approval',
        name: 'Ask',
        params: {
          approvers: ['ann@example.com', 'bob@example.com'],
          message: 'Refund {{ $trigger.amount }}?',
          ...params,
        },
      },
      set('yes', { result: 'approved' }),
      set('no', { result: 'rejected' }),
      set('late', { result: 'timeout' }),
    ],
    edges: [
      { id: 'e0', from: 'start', to: 'ask' },
      { id: 'e1', from: 'ask', port: 'approved', to: 'yes' },
      { id: 'e2', from: 'ask', port: 'rejected', to: 'no' },
      { id: 'e3', from: 'ask', port: 'timeout', to: 'late' },
    ],
  };
}

/** A signed-in user with this email and role, made through the API; returns its key headers. */
async function account(f: ServerFixture, email: string, role: string) {
  const password = 'approver password 123';
  const created = await f.inject({
    method: 'POST',
    url: '/api/v1/users',
    payload: { email, password, role },
  });
  if (created.statusCode !== 201) throw new Error(`create ${email}: ${created.body}`);
  const login = await f.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  const key = await f.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    payload: { name: 'approvals test' },
    headers: sessionHeaders(login),
  });
  return { authorization: `Bearer ${(key.json() as { key: string }).key}` };
}

async function setup(options: { user?: { email: string; role: string } } = {}) {
  fixture = await makeServer({ approvalLinkKey: key });
  const f = fixture;
  const caller = options.user ? await account(f, options.user.email, options.user.role) : {};
  const asOwner = { authorization: `Bearer ${f.ownerKey}` };
  const call = async (
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await f.inject({
      method,
      url: url.startsWith('/api/') ? url : `/api/v1${url}`,
      headers: { ...caller, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    const json = String(res.headers['content-type']).includes('json') ? res.json() : undefined;
    return { status: res.statusCode, body: json, text: res.body };
  };
  const finished = async (id: string): Promise<ExecutionRecord> => {
    for (let i = 0; i < 300; i++) {
      const execution = await f.store.getExecution(id);
      if (execution && execution.status !== 'running') return execution;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`execution ${id} did not finish`);
  };
  /** Starts the workflow and resolves with the execution id once the approval is pending. */
  const ask = async (params: Record<string, unknown> = {}, id = 'wf') => {
    // The owner sets the workflow up and starts it; the caller under test only decides.
    if (!(await f.store.getWorkflow(id)))
      await call('POST', '/workflows?active=true', { id, ...approvalWorkflow(params) }, asOwner);
    const run = await call('POST', `/workflows/${id}/run`, { input: { amount: 42 } }, asOwner);
    const executionId = run.body.executionId as string;
    for (let i = 0; i < 300; i++) {
      if (await f.store.getWait({ executionId, stepKey: 'ask' })) return executionId;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the approval never became pending');
  };
  return { call, finished, ask, f };
}

describe('approvals', () => {
  test('a pending approval is listed with its approvers, message and signed links', async () => {
    const t = await setup();
    const executionId = await t.ask({ timeout: '2d' });
    const { status, body } = await t.call('GET', '/approvals?status=pending');
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.items).toEqual([
      {
        executionId,
        stepKey: 'ask',
        workflowId: 'wf',
        approvers: ['ann@example.com', 'bob@example.com'],
        message: 'Refund 42?',
        expiresAt: expect.any(Number),
        createdAt: expect.any(Number),
        links: [
          {
            approver: 'ann@example.com',
            approve: expect.stringMatching(/^\/api\/v1\/approvals\/decide\?token=/),
            reject: expect.stringMatching(/^\/api\/v1\/approvals\/decide\?token=/),
          },
          expect.objectContaining({ approver: 'bob@example.com' }),
        ],
      },
    ]);
    const lifetime = body.items[0].expiresAt - body.items[0].createdAt;
    expect(lifetime).toBeGreaterThanOrEqual(2 * 86_400_000);
    expect(lifetime).toBeLessThan(2 * 86_400_000 + 1000);
  });

  test('the list pages with a cursor', async () => {
    const t = await setup();
    const ids = [await t.ask(), await t.ask(), await t.ask()];
    const first = await t.call('GET', '/approvals?limit=2');
    expect(first.body.items.map((i: { executionId: string }) => i.executionId)).toEqual(
      ids.slice(0, 2),
    );
    const rest = await t.call('GET', `/approvals?limit=2&cursor=${first.body.nextCursor}`);
    expect(rest.body.items.map((i: { executionId: string }) => i.executionId)).toEqual([ids[2]]);
    expect(rest.body.nextCursor).toBeNull();
    for (const query of ['status=decided', 'limit=0', 'cursor=nope']) {
      const bad = await t.call('GET', `/approvals?${query}`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('INVALID_REQUEST');
    }
  });

  test('approving through the API resumes out of "approved"; a second decision is a 409', async () => {
    const t = await setup();
    const executionId = await t.ask();
    const decided = await t.call('POST', `/approvals/${executionId}/ask/decide`, {
      decision: 'approve',
      comment: 'fine',
    });
    expect(decided).toMatchObject({
      status: 200,
      body: {
        executionId,
        stepKey: 'ask',
        decision: 'approved',
        comment: 'fine',
        decidedBy: TEST_OWNER.email,
        via: 'api',
      },
    });
    const execution = await t.finished(executionId);
    expect(execution.status).toBe('succeeded');
    expect(execution.output).toMatchObject({
      result: 'approved',
      decision: 'approved',
      input: { amount: 42 },
    });
    const again = await t.call('POST', `/approvals/${executionId}/ask/decide`, {
      decision: 'reject',
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'APPROVAL_ALREADY_DECIDED',
      message: expect.stringMatching(/no longer pending \(approved by owner@example.com\)/),
    });
    expect((await t.call('GET', '/approvals')).body.items).toEqual([]);
  });

  test('rejecting resumes out of "rejected"', async () => {
    const t = await setup();
    const executionId = await t.ask();
    await t.call('POST', `/approvals/${executionId}/ask/decide`, { decision: 'reject' });
    expect((await t.finished(executionId)).output).toMatchObject({
      result: 'rejected',
      comment: null,
    });
  });

  test('decision errors: unknown approval or a step that is no approval 404, bad body 400', async () => {
    const t = await setup();
    const executionId = await t.ask();
    const unknown = await t.call('POST', '/approvals/nope/ask/decide', { decision: 'approve' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('APPROVAL_NOT_FOUND');
    const wrongStep = await t.call('POST', `/approvals/${executionId}/other/decide`, {
      decision: 'approve',
    });
    expect(wrongStep.status).toBe(404);
    const notAStep = await t.call('POST', `/approvals/${executionId}/start/decide`, {
      decision: 'approve',
    });
    expect(notAStep.status).toBe(404);
    for (const body of [{ decision: 'maybe' }, {}, { decision: 'approve', comment: 5 }]) {
      const bad = await t.call('POST', `/approvals/${executionId}/ask/decide`, body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('INVALID_REQUEST');
    }
  });

  test('approvals inside a loop are decided by their URL-encoded step key', async () => {
    const t = await setup();
    await t.call('POST', '/workflows?active=true', {
      id: 'loop',
      schemaVersion: 1,
      name: 'Per item',
      nodes: [
        manual(),
        { id: 'each', type: 'flow.loop', name: 'Each', params: { items: [1, 2], concurrency: 2 } },
        {
          id: 'ask',
          type: 'wait.approval',
          name: 'Ask',
          parentId: 'each',
          params: { approvers: ['ann'], message: 'Item {{ $item }}?' },
        },
      ],
      edges: [{ id: 'e0', from: 'start', to: 'each' }],
    });
    const run = await t.call('POST', '/workflows/loop/run', { input: null });
    let items: Array<{ stepKey: string; message: string }> = [];
    for (let i = 0; i < 300 && items.length < 2; i++) {
      items = (await t.call('GET', '/approvals')).body.items;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(items.map((i) => [i.stepKey, i.message]).sort()).toEqual([
      ['each[0]/ask', 'Item 1?'],
      ['each[1]/ask', 'Item 2?'],
    ]);
    for (const item of items) {
      const res = await t.call(
        'POST',
        `/approvals/${run.body.executionId}/${encodeURIComponent(item.stepKey)}/decide`,
        { decision: 'approve' },
      );
      expect(res.body.stepKey).toBe(item.stepKey);
    }
    const execution = await t.finished(run.body.executionId);
    expect(execution.output).toMatchObject([{ decision: 'approved' }, { decision: 'approved' }]);
  });

  test('a paused execution cannot be decided until it is resumed', async () => {
    const t = await setup();
    const executionId = await t.ask();
    await t.call('POST', `/executions/${executionId}/pause`);
    const paused = await t.call('POST', `/approvals/${executionId}/ask/decide`, {
      decision: 'approve',
    });
    expect(paused.status).toBe(409);
    expect(paused.body.error.code).toBe('INVALID_STATE');
    await t.call('POST', `/executions/${executionId}/resume`);
    expect(
      (await t.call('POST', `/approvals/${executionId}/ask/decide`, { decision: 'approve' }))
        .status,
    ).toBe(200);
  });

  test('the timeout sends the input out of "timeout"', async () => {
    const t = await setup();
    const executionId = await t.ask({ timeout: '1s' });
    const execution = await t.finished(executionId);
    expect(execution.output).toMatchObject({
      result: 'timeout',
      decision: 'timeout',
      input: { amount: 42 },
    });
    const late = await t.call('POST', `/approvals/${executionId}/ask/decide`, {
      decision: 'approve',
    });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/\(timeout\)/);
  });

  test('a signed link shows its decision on GET and decides once on POST', async () => {
    const t = await setup();
    const executionId = await t.ask();
    const [item] = (await t.call('GET', '/approvals')).body.items;
    const link = item.links[0].reject as string;
    const preview = await t.call('GET', link);
    expect(preview).toMatchObject({
      status: 200,
      body: {
        executionId,
        stepKey: 'ask',
        decision: 'reject',
        approver: 'ann@example.com',
        message: 'Refund 42?',
        status: 'pending',
      },
    });
    const page = await t.call('GET', link, undefined, { accept: 'text/html' });
    expect(page.text).toContain('<form method="post"');
    expect(page.text).toContain('Refund 42?');
    // Previewing decided nothing.
    expect(await t.f.store.getWait({ executionId, stepKey: 'ask' })).toBeDefined();
    const decided = await t.call('POST', link, { comment: 'no budget' });
    expect(decided.body).toMatchObject({
      decision: 'rejected',
      decidedBy: 'ann@example.com',
      via: 'link',
      comment: 'no budget',
    });
    expect((await t.finished(executionId)).output).toMatchObject({ result: 'rejected' });
    const twice = await t.call('POST', link);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('APPROVAL_ALREADY_DECIDED');
    const approveToo = await t.call('POST', item.links[1].approve);
    expect(approveToo.status).toBe(409);
    expect((await t.call('GET', link)).status).toBe(409);
  });

  test('the confirm page posts a form and answers with a page', async () => {
    const t = await setup();
    const executionId = await t.ask();
    const [item] = (await t.call('GET', '/approvals')).body.items;
    const res = await t.f.inject({
      method: 'POST',
      url: item.links[1].approve,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'comment=ok',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Approved');
    expect((await t.finished(executionId)).output).toMatchObject({
      result: 'approved',
      decidedBy: 'bob@example.com',
      comment: 'ok',
    });
  });

  test('forged, malformed and expired links are refused', async () => {
    const t = await setup();
    const executionId = await t.ask();
    const claims = {
      executionId,
      stepKey: 'ask',
      decision: 'approve' as const,
      expiresAt: Date.now() + 60_000,
    };
    const forged = signApprovalToken(randomBytes(32), claims);
    const expired = signApprovalToken(key, { ...claims, expiresAt: Date.now() - 1 });
    const valid = signApprovalToken(key, claims);
    const tampered = `${Buffer.from(JSON.stringify({ e: executionId, s: 'ask', d: 'reject', x: claims.expiresAt })).toString('base64url')}.${valid.split('.')[1]}`;
    const cases: Array<[string, number, string]> = [
      [`token=${forged}`, 403, 'INVALID_APPROVAL_TOKEN'],
      [`token=${tampered}`, 403, 'INVALID_APPROVAL_TOKEN'],
      ['token=abc', 403, 'INVALID_APPROVAL_TOKEN'],
      ['token=a.b.c', 403, 'INVALID_APPROVAL_TOKEN'],
      [`token=${expired}`, 410, 'APPROVAL_TOKEN_EXPIRED'],
      ['', 400, 'INVALID_REQUEST'],
    ];
    for (const [query, status, code] of cases) {
      for (const method of ['GET', 'POST'] as const) {
        const res = await t.call(method, `/approvals/decide?${query}`);
        expect([query, method, res.status, res.body.error.code]).toEqual([
          query,
          method,
          status,
          code,
        ]);
      }
    }
    expect(await t.f.store.getWait({ executionId, stepKey: 'ask' })).toBeDefined();
    expect((await t.call('POST', `/approvals/decide?token=${valid}`)).body.decision).toBe(
      'approved',
    );
  });
});

describe('approvals with an authenticated caller', () => {
  test.each([
    [{ email: 'carl@example.com', role: 'editor' }, 403],
    [{ email: 'ANN@example.com', role: 'editor' }, 200],
    [{ email: 'bob@example.com', role: 'viewer' }, 200],
    [{ email: 'root@example.com', role: 'admin' }, 200],
  ])('%j gets %i', async (user, status) => {
    const t = await setup({ user });
    const executionId = await t.ask();
    const res = await t.call('POST', `/approvals/${executionId}/ask/decide`, {
      decision: 'approve',
    });
    expect(res.status).toBe(status);
    if (status === 403) {
      expect(res.body.error).toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringMatching(/not an approver.*ann@example.com, bob@example.com/),
      });
      expect(await t.f.store.getWait({ executionId, stepKey: 'ask' })).toBeDefined();
    } else {
      expect(res.body.decidedBy).toBe(user.email.toLowerCase());
    }
  });
});
