import { isJsonObject, type JsonValue } from './json.js';
import { escapePointerSegment } from './json-pointer.js';
import { DEFAULT_PORT, type Workflow, type WorkflowEdge, type WorkflowNode } from './model.js';

/** A node as a diff names it. */
export interface DiffNodeRef {
  id: string;
  name: string;
  type: string;
}

/**
 * One value that changed, at a JSON pointer relative to its owner (a node, the settings, or the
 * document). `before` is absent when the value was added, `after` when it was removed.
 */
export interface ValueChange {
  path: string;
  before?: JsonValue;
  after?: JsonValue;
}

/** A value change inside one node. */
export interface NodeValueChange extends ValueChange {
  nodeId: string;
}

/**
 * What changed between two versions of a workflow, by category. Nodes are matched by id, edges
 * by their connection (`from`, `port`, `to`): an edge whose id alone changed is no change.
 * Pointers in `paramsChanged` start with `/params`, in `nodesChanged` with the node field
 * (`/retry/maxAttempts`, `/type`, `/disabled`); `name` and `position` have their own categories.
 */
export interface WorkflowDiff {
  nodesAdded: WorkflowNode[];
  nodesRemoved: WorkflowNode[];
  nodesRenamed: { nodeId: string; from: string; to: string }[];
  nodesMoved: { nodeId: string; from?: { x: number; y: number }; to?: { x: number; y: number } }[];
  paramsChanged: NodeValueChange[];
  nodesChanged: NodeValueChange[];
  edgesAdded: WorkflowEdge[];
  edgesRemoved: WorkflowEdge[];
  /** Pointers relative to `settings` (`/timezone`, `/retention/days`). */
  settingsChanged: ValueChange[];
  /** Document fields other than nodes, edges and settings (`/name`, `/tags`, `/inputSchema`). */
  workflowChanged: ValueChange[];
}

/** The identity of an edge for diffing: its connection. */
export function edgeKey(edge: Pick<WorkflowEdge, 'from' | 'port' | 'to'>): string {
  return JSON.stringify([edge.from, edge.port ?? DEFAULT_PORT, edge.to]);
}

const NODE_OWN_CATEGORIES = new Set(['id', 'name', 'position', 'params']);
const DOCUMENT_OWN_CATEGORIES = new Set(['nodes', 'edges', 'settings']);

/**
 * The structural difference from workflow `a` to workflow `b`. Pure and deterministic: every
 * list is ordered by node id, edge key or pointer. `diffWorkflows(a, a)` is empty.
 *
 * @example
 * const diff = diffWorkflows(v3.definition, v4.definition);
 * for (const change of diff.paramsChanged) console.log(change.nodeId, change.path);
 */
export function diffWorkflows(a: Workflow, b: Workflow): WorkflowDiff {
  const diff = emptyDiff();
  const before = new Map(a.nodes.map((node) => [node.id, node]));
  const after = new Map(b.nodes.map((node) => [node.id, node]));
  for (const id of sortedKeys(before, after)) {
    const old = before.get(id);
    const next = after.get(id);
    if (old === undefined && next !== undefined) diff.nodesAdded.push(next);
    else if (next === undefined && old !== undefined) diff.nodesRemoved.push(old);
    else if (old !== undefined && next !== undefined) compareNodes(old, next, diff);
  }

  const oldEdges = new Map(a.edges.map((edge) => [edgeKey(edge), edge]));
  const newEdges = new Map(b.edges.map((edge) => [edgeKey(edge), edge]));
  for (const key of sortedKeys(oldEdges, newEdges)) {
    const old = oldEdges.get(key);
    const next = newEdges.get(key);
    if (old === undefined && next !== undefined) diff.edgesAdded.push(next);
    if (next === undefined && old !== undefined) diff.edgesRemoved.push(old);
  }

  diffValues(toJson(a.settings ?? {}), toJson(b.settings ?? {}), '', diff.settingsChanged);
  const docA = toJson(omit(a, DOCUMENT_OWN_CATEGORIES));
  const docB = toJson(omit(b, DOCUMENT_OWN_CATEGORIES));
  diffValues(docA, docB, '', diff.workflowChanged);
  return diff;
}

/** True when the diff holds no change at all. */
export function isEmptyDiff(diff: WorkflowDiff): boolean {
  return Object.values(diff).every((list: unknown[]) => list.length === 0);
}

/** A diff with every category empty. */
export function emptyDiff(): WorkflowDiff {
  return {
    nodesAdded: [],
    nodesRemoved: [],
    nodesRenamed: [],
    nodesMoved: [],
    paramsChanged: [],
    nodesChanged: [],
    edgesAdded: [],
    edgesRemoved: [],
    settingsChanged: [],
    workflowChanged: [],
  };
}

/**
 * One line per change, each with a JSON pointer into the document it is about (`/nodes/3/params/url`
 * in `b` for changes and additions, in `a` for removals): what a 409 or a UI lists.
 */
export function describeDiff(
  diff: WorkflowDiff,
  a: Workflow,
  b: Workflow,
): { path: string; message: string; code: string }[] {
  const indexIn = (workflow: Workflow, id: string) => workflow.nodes.findIndex((n) => n.id === id);
  const nodePath = (workflow: Workflow, id: string) => `/nodes/${indexIn(workflow, id)}`;
  const edgeText = (e: WorkflowEdge) => `${e.from} -(${e.port ?? DEFAULT_PORT})-> ${e.to}`;
  const lines: { path: string; message: string; code: string }[] = [];
  for (const node of diff.nodesAdded)
    lines.push({
      path: nodePath(b, node.id),
      message: `node "${node.name}" added`,
      code: 'NODE_ADDED',
    });
  for (const node of diff.nodesRemoved)
    lines.push({
      path: nodePath(a, node.id),
      message: `node "${node.name}" removed`,
      code: 'NODE_REMOVED',
    });
  for (const r of diff.nodesRenamed)
    lines.push({
      path: `${nodePath(b, r.nodeId)}/name`,
      message: `node renamed from "${r.from}" to "${r.to}"`,
      code: 'NODE_RENAMED',
    });
  for (const m of diff.nodesMoved)
    lines.push({
      path: `${nodePath(b, m.nodeId)}/position`,
      message: `node "${m.nodeId}" moved`,
      code: 'NODE_MOVED',
    });
  for (const c of diff.paramsChanged)
    lines.push({
      path: nodePath(b, c.nodeId) + c.path,
      message: `${changeVerb(c)} on node "${c.nodeId}"`,
      code: 'PARAM_CHANGED',
    });
  for (const c of diff.nodesChanged)
    lines.push({
      path: nodePath(b, c.nodeId) + c.path,
      message: `${changeVerb(c)} on node "${c.nodeId}"`,
      code: 'NODE_CHANGED',
    });
  for (const e of diff.edgesAdded)
    lines.push({
      path: `/edges/${edgeIndex(b, e)}`,
      message: `edge ${edgeText(e)} added`,
      code: 'EDGE_ADDED',
    });
  for (const e of diff.edgesRemoved)
    lines.push({
      path: `/edges/${edgeIndex(a, e)}`,
      message: `edge ${edgeText(e)} removed`,
      code: 'EDGE_REMOVED',
    });
  for (const c of diff.settingsChanged)
    lines.push({ path: `/settings${c.path}`, message: changeVerb(c), code: 'SETTING_CHANGED' });
  for (const c of diff.workflowChanged)
    lines.push({ path: c.path, message: changeVerb(c), code: 'WORKFLOW_CHANGED' });
  return lines;
}

function edgeIndex(workflow: Workflow, edge: WorkflowEdge): number {
  const key = edgeKey(edge);
  return workflow.edges.findIndex((e) => edgeKey(e) === key);
}

function changeVerb(change: ValueChange): string {
  if (change.before === undefined) return `${change.path || 'value'} added`;
  if (change.after === undefined) return `${change.path || 'value'} removed`;
  return `${change.path || 'value'} changed`;
}

function compareNodes(old: WorkflowNode, next: WorkflowNode, diff: WorkflowDiff): void {
  if (old.name !== next.name)
    diff.nodesRenamed.push({ nodeId: old.id, from: old.name, to: next.name });
  if (!sameJson(toJson(old.position), toJson(next.position))) {
    diff.nodesMoved.push({
      nodeId: old.id,
      ...(old.position === undefined ? {} : { from: { ...old.position } }),
      ...(next.position === undefined ? {} : { to: { ...next.position } }),
    });
  }
  const params: ValueChange[] = [];
  diffValues(toJson(old.params), toJson(next.params), '/params', params);
  for (const change of params) diff.paramsChanged.push({ nodeId: old.id, ...change });
  const fields: ValueChange[] = [];
  diffValues(
    toJson(omit(old, NODE_OWN_CATEGORIES)),
    toJson(omit(next, NODE_OWN_CATEGORIES)),
    '',
    fields,
  );
  for (const change of fields) diff.nodesChanged.push({ nodeId: old.id, ...change });
}

/**
 * Appends the changes from `a` to `b` under `path`. Objects are compared key by key, arrays of
 * equal length item by item; anything else that differs is one change at `path`.
 */
export function diffValues(
  a: JsonValue | undefined,
  b: JsonValue | undefined,
  path: string,
  out: ValueChange[],
): void {
  if (a === undefined && b === undefined) return;
  if (isJsonObject(a) && isJsonObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      diffValues(own(a, key), own(b, key), `${path}/${escapePointerSegment(key)}`, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, index) => diffValues(item, b[index], `${path}/${index}`, out));
    return;
  }
  if (sameJson(a, b)) return;
  out.push({
    path,
    ...(a === undefined ? {} : { before: a }),
    ...(b === undefined ? {} : { after: b }),
  });
}

function own(object: Record<string, JsonValue>, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => sameJson(item, b[index]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return false;
}

/** The value as JSON (undefined members dropped), or undefined. */
function toJson(value: unknown): JsonValue | undefined {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

function omit(value: object, keys: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.has(key)));
}

function sortedKeys(a: Map<string, unknown>, b: Map<string, unknown>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}
