import { defineNode } from '@flowstate/sdk';
import { afterEach, expect, test } from 'vitest';
import { z } from 'zod';
import { makeEngine, workflow, type TestEngine } from '../helpers.js';

const DERIVED = 'derived-secret-5e1f0c2d';

/** A node that derives a secret, declares it, then leaks it every way it can. */
const deriving = defineNode({
  type: 'test.deriving',
  name: 'Deriving',
  group: 'action',
  description: 'derives a secret and leaks it (test only)',
  params: z.object({ fail: z.boolean().default(false) }),
  ports: ['out'],
  sideEffects: true,
  retryDefaults: { maxAttempts: 1 },
  run(ctx) {
    ctx.redact(DERIVED);
    if (ctx.params.fail) throw new Error(`request with ${DERIVED} refused`);
    return { token: DERIVED, header: `Bearer ${DERIVED}` };
  },
});

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

test('a secret a node declares with ctx.redact is redacted from its output and error', async () => {
  t = await makeEngine({ extraNodes: [deriving] });
  const ok = await t.deploy(
    workflow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'derive', type: 'test.deriving' },
      ],
      ['start->derive'],
    ),
  );
  const done = await t.run(ok);
  expect(done.output).toEqual({ token: '[redacted]', header: 'Bearer [redacted]' });

  const failing = await t.deploy(
    workflow(
      [
        { id: 'start', type: 'trigger.manual' },
        { id: 'derive', type: 'test.deriving', params: { fail: true } },
      ],
      ['start->derive'],
    ),
  );
  const failed = await t.run(failing);
  expect(failed.status).toBe('failed');
  expect(failed.error?.message).toContain('request with [redacted] refused');
  const journal = JSON.stringify(await t.store.loadExecution(failed.id));
  expect(journal).not.toContain(DERIVED);
});
