import type { Workflow } from '@flowstate/core';

type Node = Workflow['nodes'][number];

/** A linear workflow: each node feeds the next. */
export function chain(name: string, nodes: Node[]): Workflow {
  const edges = nodes
    .slice(1)
    .map((node, index) => ({ id: `e${index}`, from: nodes[index]!.id, to: node.id }));
  return { schemaVersion: 1, name, nodes, edges };
}

/** `trigger.webhook` node. */
export function webhook(path: string, params: Record<string, unknown> = {}): Node {
  return { id: 'hook', type: 'trigger.webhook', name: 'Hook', params: { path, ...params } };
}

/** `trigger.manual` node. */
export function manual(): Node {
  return { id: 'start', type: 'trigger.manual', name: 'Start', params: {} };
}

/** `transform.set` node. */
export function set(id: string, fields: Record<string, unknown>): Node {
  return { id, type: 'transform.set', name: id, params: { fields } };
}

/** `transform.jsonata` node. */
export function jsonata(id: string, expression: string): Node {
  return {
    id,
    type: 'transform.jsonata',
    name: id,
    params: { expression },
    retry: { maxAttempts: 1 },
  };
}

/** `webhook.respond` node. */
export function respond(id: string, params: Record<string, unknown>): Node {
  return { id, type: 'webhook.respond', name: id, params };
}

/** `wait.delay` node. */
export function delay(id: string, durationMs: number): Node {
  return { id, type: 'wait.delay', name: id, params: { durationMs } };
}
