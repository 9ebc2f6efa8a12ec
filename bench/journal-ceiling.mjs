/**
 * The ceiling over W1 and W2: what this machine allows any durable engine, measured with no
 * engine. A bare Fastify handler computes the workload's result by hand and, per request,
 * commits through Flowstate's own store the change the engine would commit for it (a new
 * execution, finished, with its final steps: stored as one compact row). Requests that
 * arrive in one event-loop turn share one `store.commit` (one transaction, one fsync), one
 * batch in flight, as the engine's group commit does, and each 2xx is sent once the commit
 * is durable. Left out: the workflow lookup, expressions, params validation, the step
 * bookkeeping, hooks, metrics and logs.
 *
 * CEILING_STORE=sqlite: CEILING_DATA_DIR is a fresh data folder (WAL, synchronous=FULL as
 * `flowstate start` has it). CEILING_STORE=postgres: CEILING_DATABASE_URL selects a schema
 * that holds the W1 and W2 workflows.
 */
import Fastify from 'fastify';
import { uuidv7 } from '../packages/engine/dist/index.js';
import { publishWorkflows, w1, w2 } from './workflows.mjs';

/** A final step of execution `id`, as the engine journals it. */
function finalStep(id, at, key, status, input, output, port) {
  return {
    step: {
      executionId: id,
      key,
      nodeId: key,
      status,
      attempt: status === 'skipped' ? 0 : 1,
      ...(input === undefined ? {} : { input, output, port }),
      startedAt: at,
      finishedAt: at,
      durationMs: 0,
    },
  };
}

/**
 * The change the engine commits for one execution of `workflow` (a new execution, finished
 * in its first commit) whose trigger received `input` and whose nodes ran as `steps` says
 * (`[key, status, input, output, port]`), and the response it sends.
 */
function executionChange(workflow, input, steps) {
  const now = Date.now();
  const id = uuidv7(now);
  const output = steps.at(-1)[3];
  return {
    response: output,
    change: {
      expectSeq: 'new',
      execution: {
        id,
        workflowId: workflow.id,
        workflowVersion: 1,
        status: 'succeeded',
        seq: 0,
        triggerNodeId: 'hook',
        triggerType: 'trigger.webhook',
        input,
        output,
        depth: 0,
        createdAt: now,
        updatedAt: now,
        finishedAt: now,
      },
      steps: steps.map((step) => finalStep(id, now, ...step)),
    },
  };
}

/** W1 by hand: transform, condition, the gold branch, the join. */
function w1Change(input) {
  const { body } = input;
  const calc = {
    id: body.id,
    amount: body.amount,
    total: body.amount * 1.2,
    email: String(body.email).toUpperCase(),
  };
  const joined = { ...calc, tier: calc.total > 100 ? 'gold' : 'basic' };
  return executionChange(w1, input, [
    ['hook', 'succeeded', input, input, 'out'],
    ['calc', 'succeeded', input, calc, 'out'],
    ['check', 'succeeded', calc, calc, 'true'],
    ['gold', 'succeeded', calc, joined, 'out'],
    ['basic', 'skipped'],
    ['join', 'succeeded', { gold: joined }, joined, 'out'],
  ]);
}

/** W2 by hand: ten steps that each add one. */
function w2Change(input) {
  const steps = [['hook', 'succeeded', input, input, 'out']];
  let value = { count: input.body.count };
  let previous = input;
  for (let i = 1; i <= 10; i++) {
    const next = { count: value.count + 1 };
    steps.push([`s${i}`, 'succeeded', previous, next, 'out']);
    previous = next;
    value = next;
  }
  return executionChange(w2, input, steps);
}

async function openStore() {
  if (process.env.CEILING_STORE === 'postgres') {
    const { PostgresStore } = await import('../packages/store-postgres/dist/index.js');
    return PostgresStore.connect({
      connectionString: process.env.CEILING_DATABASE_URL,
      applicationName: 'flowstate-ceiling',
    });
  }
  const { SqliteStore } = await import('../packages/store-sqlite/dist/index.js');
  const store = await SqliteStore.open(process.env.CEILING_DATA_DIR);
  await publishWorkflows(store, [w1, w2]);
  return store;
}

const store = await openStore();

// Group commit: every request of one event-loop turn in one batch, one batch in flight.
let pending = [];
let scheduled = false;
let inFlight = false;
function schedule() {
  if (scheduled || inFlight || pending.length === 0) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    const batch = pending;
    pending = [];
    inFlight = true;
    store
      .commit(batch.map((entry) => entry.change))
      .then(
        (outcomes) =>
          batch.forEach((entry, i) =>
            outcomes[i].status === 'ok'
              ? entry.reply.send(entry.response)
              : entry.reply.code(409).send(outcomes[i]),
          ),
        (error) => batch.forEach((entry) => entry.reply.code(500).send({ error: error.message })),
      )
      .finally(() => {
        inFlight = false;
        schedule();
      });
  });
}

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
for (const [path, change] of [
  ['/hooks/bench-w1', w1Change],
  ['/hooks/bench-w2', w2Change],
]) {
  app.post(path, (request, reply) => {
    // The trigger's output, as the webhook route builds it.
    const input = {
      body: request.body,
      headers: request.headers,
      query: request.query,
      method: request.method,
      path: path.slice('/hooks'.length),
    };
    pending.push({ ...change(input), reply });
    schedule();
    return reply;
  });
}
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0)),
);
