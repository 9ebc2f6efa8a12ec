/**
 * The benchmark workflows of shared/bench/WORKLOADS.md as Flowstate documents.
 */

/** W1: transform, condition, two branches that join; the join's output is the response. */
export const w1 = {
  id: 'bench-w1',
  schemaVersion: 1,
  name: 'Bench W1: webhook pipeline',
  nodes: [
    {
      id: 'hook',
      name: 'Hook',
      type: 'trigger.webhook',
      params: { path: 'bench-w1', method: 'POST' },
    },
    {
      id: 'calc',
      name: 'Calc',
      type: 'transform.set',
      params: {
        keepInput: false,
        fields: {
          id: '{{ $input.body.id }}',
          amount: '{{ $input.body.amount }}',
          total: '{{ $input.body.amount * 1.2 }}',
          email: '{{ $uppercase($input.body.email) }}',
        },
      },
    },
    {
      id: 'check',
      name: 'Check',
      type: 'flow.if',
      params: { condition: '{{ $input.total > 100 }}' },
    },
    { id: 'gold', name: 'Gold', type: 'transform.set', params: { fields: { tier: 'gold' } } },
    { id: 'basic', name: 'Basic', type: 'transform.set', params: { fields: { tier: 'basic' } } },
    { id: 'join', name: 'Join', type: 'flow.merge', params: { mode: 'first' } },
  ],
  edges: [
    { id: 'e1', from: 'hook', to: 'calc' },
    { id: 'e2', from: 'calc', to: 'check' },
    { id: 'e3', from: 'check', port: 'true', to: 'gold' },
    { id: 'e4', from: 'check', port: 'false', to: 'basic' },
    { id: 'e5', from: 'gold', to: 'join' },
    { id: 'e6', from: 'basic', to: 'join' },
  ],
};

/** W2: ten sequential transforms, each `count = count + 1`. */
export const w2 = {
  id: 'bench-w2',
  schemaVersion: 1,
  name: 'Bench W2: ten-step chain',
  nodes: [
    {
      id: 'hook',
      name: 'Hook',
      type: 'trigger.webhook',
      params: { path: 'bench-w2', method: 'POST' },
    },
    ...Array.from({ length: 10 }, (_, i) => ({
      id: `s${i + 1}`,
      name: `Step ${i + 1}`,
      type: 'transform.set',
      params: {
        keepInput: false,
        fields: { count: i === 0 ? '{{ $input.body.count + 1 }}' : '{{ $input.count + 1 }}' },
      },
    })),
  ],
  edges: Array.from({ length: 10 }, (_, i) => ({
    id: `e${i + 1}`,
    from: i === 0 ? 'hook' : `s${i}`,
    to: `s${i + 1}`,
  })),
};

/** W3: a manual start, a 60 s delay, then one transform. */
export function w3(delayMs) {
  return {
    id: 'bench-w3',
    schemaVersion: 1,
    name: 'Bench W3: sleepers',
    nodes: [
      { id: 'start', name: 'Start', type: 'trigger.manual', params: {} },
      { id: 'nap', name: 'Nap', type: 'wait.delay', params: { durationMs: delayMs } },
      { id: 'after', name: 'After', type: 'transform.set', params: { fields: { woke: true } } },
    ],
    edges: [
      { id: 'e1', from: 'start', to: 'nap' },
      { id: 'e2', from: 'nap', to: 'after' },
    ],
  };
}

/** The request bodies WORKLOADS.md posts for W1 and W2. */
export const W1_BODY = JSON.stringify({ id: 7, amount: 120, email: 'a@b.co' });
export const W2_BODY = JSON.stringify({ count: 0 });

/** Creates `workflows`, published and active, on a store (the ceiling's set-up). */
export async function publishWorkflows(store, workflows) {
  for (const workflow of workflows) {
    await store.createWorkflow({
      id: workflow.id,
      definition: workflow,
      active: true,
      publish: true,
      now: 0,
    });
  }
}
