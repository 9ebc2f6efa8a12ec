import { edgeKey, type ValueChange, type WorkflowDiff } from './diff.js';
import { isJsonObject, type JsonValue } from './json.js';
import type { Workflow, WorkflowNode } from './model.js';

/**
 * Applies a diff made by `diffWorkflows(a, b)` to `a`, giving a workflow equal to `b` up to the
 * order of nodes and edges and the ids of unchanged edges. Used to replay an edit made on an
 * older version onto a newer one (when the changes do not overlap) and to test the diff.
 */
export function applyWorkflowDiff(a: Workflow, diff: WorkflowDiff): Workflow {
  const removed = new Set(diff.nodesRemoved.map((node) => node.id));
  const nodes = new Map<string, WorkflowNode>(
    a.nodes.filter((node) => !removed.has(node.id)).map((node) => [node.id, clone(node)]),
  );
  for (const node of diff.nodesAdded) nodes.set(node.id, clone(node));
  for (const { nodeId, to } of diff.nodesRenamed)
    update(nodes, nodeId, (n) => ({ ...n, name: to }));
  for (const { nodeId, to } of diff.nodesMoved) {
    update(nodes, nodeId, (node) => {
      const { position: _old, ...rest } = node;
      return to === undefined ? rest : { ...rest, position: { ...to } };
    });
  }
  for (const change of [...diff.paramsChanged, ...diff.nodesChanged]) {
    update(
      nodes,
      change.nodeId,
      (node) => applyChange(node as unknown as JsonValue, change) as unknown as WorkflowNode,
    );
  }

  const dropped = new Set(diff.edgesRemoved.map(edgeKey));
  const edges = a.edges.filter((edge) => !dropped.has(edgeKey(edge))).map(clone);
  edges.push(...diff.edgesAdded.map(clone));

  let document = clone(a) as unknown as JsonValue;
  for (const change of diff.workflowChanged) document = applyChange(document, change);
  let settings = clone(a.settings ?? {}) as JsonValue;
  for (const change of diff.settingsChanged) settings = applyChange(settings, change);
  const result = { ...(document as object), nodes: [...nodes.values()], edges } as Workflow;
  if (isJsonObject(settings) && Object.keys(settings).length > 0)
    result.settings = settings as Workflow['settings'];
  else delete result.settings;
  return result;
}

/** Sets (or, when `after` is absent, deletes) the value at `change.path` in `root`. */
export function applyChange(root: JsonValue, change: ValueChange): JsonValue {
  const segments = change.path === '' ? [] : change.path.slice(1).split('/').map(unescape);
  if (segments.length === 0) return change.after === undefined ? {} : clone(change.after);
  const copy = clone(root);
  let parent: JsonValue = copy;
  for (const segment of segments.slice(0, -1)) {
    const container = parent as Record<string, JsonValue>;
    if (!isJsonObject(container[segment]) && !Array.isArray(container[segment]))
      container[segment] = {};
    parent = container[segment]!;
  }
  const last = segments.at(-1)!;
  const container = parent as Record<string, JsonValue>;
  if (change.after === undefined) delete container[last];
  else container[last] = clone(change.after);
  return copy;
}

function update(
  nodes: Map<string, WorkflowNode>,
  id: string,
  fn: (node: WorkflowNode) => WorkflowNode,
) {
  const node = nodes.get(id);
  if (node !== undefined) nodes.set(id, fn(node));
}

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
