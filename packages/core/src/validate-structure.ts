import { edgePort } from './graph.js';
import { ERROR_PORT, type WorkflowNode } from './model.js';
import { portsOf } from './node-type.js';
import { CONTAINER_TYPES, ProblemCodes, type ValidationContext } from './validation-context.js';

/** Duplicate node ids and names, unknown node types. */
export function checkNodes(ctx: ValidationContext): void {
  const ids = new Map<string, number>();
  const names = new Map<string, number>();
  ctx.nodes.forEach((node, index) => {
    if (node === undefined) return;
    const sameId = ids.get(node.id);
    if (sameId === undefined) ids.set(node.id, index);
    else {
      ctx.problems.push({
        path: `/nodes/${index}/id`,
        message: `duplicate node id "${node.id}" (also used by /nodes/${sameId})`,
        code: ProblemCodes.duplicateNodeId,
      });
    }
    const sameName = names.get(node.name);
    if (sameName === undefined) names.set(node.name, index);
    else {
      ctx.problems.push({
        path: `/nodes/${index}/name`,
        message: `duplicate node name "${node.name}" (also used by /nodes/${sameName}); names must be unique because expressions refer to nodes by name`,
        code: ProblemCodes.duplicateNodeName,
      });
    }
    if (ctx.registry.get(node.type) === undefined) {
      ctx.problems.push({
        path: `/nodes/${index}/type`,
        message: `unknown node type "${node.type}"`,
        code: ProblemCodes.unknownNodeType,
      });
    }
  });
}

/** `parentId` must name a container node; triggers sit at top level; nesting may not loop. */
export function checkParents(ctx: ValidationContext): void {
  ctx.nodes.forEach((node, index) => {
    if (node?.parentId === undefined) return;
    const path = `/nodes/${index}/parentId`;
    const parent = ctx.byId.get(node.parentId)?.node;
    const problem = (message: string): void => {
      ctx.problems.push({ path, message, code: ProblemCodes.badParent });
    };
    if (parent === undefined) {
      if (!ctx.anyNodeIds.has(node.parentId)) problem(`no node with id "${node.parentId}"`);
    } else if (!CONTAINER_TYPES.has(parent.type)) {
      problem(
        `node ${label(parent)} (type "${parent.type}") is not a container; containers are: ${[...CONTAINER_TYPES].join(', ')}`,
      );
    } else if (nestingLoops(ctx, node)) {
      problem(`container nesting of ${label(node)} loops back to itself`);
    }
    if (ctx.registry.get(node.type)?.trigger === true) {
      problem(`trigger ${label(node)} cannot sit inside a container`);
    }
  });
}

function nestingLoops(ctx: ValidationContext, start: WorkflowNode): boolean {
  const seen = new Set<string>([start.id]);
  let current = start.parentId;
  while (current !== undefined) {
    if (seen.has(current)) return true;
    seen.add(current);
    current = ctx.byId.get(current)?.node.parentId;
  }
  return false;
}

/** Edge ids, endpoints, ports, edges into triggers and across container boundaries. */
export function checkEdges(ctx: ValidationContext): void {
  const ids = new Map<string, number>();
  ctx.edges.forEach((edge, index) => {
    if (edge === undefined) return;
    const problem = (field: string, code: string, message: string): void => {
      ctx.problems.push({ path: `/edges/${index}${field}`, message, code });
    };
    const sameId = ids.get(edge.id);
    if (sameId === undefined) ids.set(edge.id, index);
    else
      problem(
        '/id',
        ProblemCodes.duplicateEdgeId,
        `duplicate edge id "${edge.id}" (also used by /edges/${sameId})`,
      );

    const from = ctx.byId.get(edge.from)?.node;
    const to = ctx.byId.get(edge.to)?.node;
    if (!ctx.anyNodeIds.has(edge.from))
      problem('/from', ProblemCodes.danglingEdge, `no node with id "${edge.from}"`);
    if (!ctx.anyNodeIds.has(edge.to))
      problem('/to', ProblemCodes.danglingEdge, `no node with id "${edge.to}"`);

    if (from !== undefined) {
      const ports = availablePorts(ctx, from);
      const port = edgePort(edge);
      if (ports !== undefined && !ports.includes(port)) {
        const available =
          ports.length === 0 ? 'it has no output ports' : `available: ${ports.join(', ')}`;
        problem(
          '/port',
          ProblemCodes.unknownPort,
          `node ${label(from)} has no port "${port}" (${available})`,
        );
      }
    }
    if (to !== undefined && ctx.registry.get(to.type)?.trigger === true) {
      problem(
        '/to',
        ProblemCodes.edgeIntoTrigger,
        `node ${label(to)} is a trigger; triggers cannot have incoming edges`,
      );
    }
    if (from !== undefined && to !== undefined && from.parentId !== to.parentId) {
      if (to.parentId !== undefined && !isInside(ctx, from, to.parentId)) {
        problem(
          '/to',
          ProblemCodes.crossContainerEdge,
          `node ${label(to)} is inside container ${containerLabel(ctx, to.parentId)}; edges cannot enter a container's body from outside (its first nodes receive $item)`,
        );
      } else {
        problem(
          '/from',
          ProblemCodes.crossContainerEdge,
          `node ${label(from)} is inside container ${containerLabel(ctx, from.parentId)}; edges cannot leave a container's body (the container's "done" port carries the results)`,
        );
      }
    }
  });
}

/** A workflow needs at least one trigger node to start executions. */
export function checkTriggers(ctx: ValidationContext): void {
  const hasTrigger = ctx.nodes.some(
    (node) => node !== undefined && ctx.registry.get(node.type)?.trigger === true,
  );
  if (hasTrigger) return;
  const triggerTypes = ctx.registry
    .list()
    .filter((type) => type.trigger === true)
    .map((type) => type.type);
  const hint = triggerTypes.length === 0 ? '' : ` (one of: ${triggerTypes.join(', ')})`;
  ctx.problems.push({
    path: '/nodes',
    message: `workflow has no trigger node; add one${hint}`,
    code: ProblemCodes.noTrigger,
  });
}

/** The ports a node offers, with `error` when it routes errors; undefined for unknown types. */
function availablePorts(ctx: ValidationContext, node: WorkflowNode): readonly string[] | undefined {
  const nodeType = ctx.registry.get(node.type);
  if (nodeType === undefined) return undefined;
  let ports: readonly string[];
  try {
    ports = portsOf(nodeType, node.params);
  } catch {
    return undefined;
  }
  return node.onError === 'route' && !ports.includes(ERROR_PORT) ? [...ports, ERROR_PORT] : ports;
}

/** True when `node` sits (at any depth) inside container `containerId`. */
function isInside(ctx: ValidationContext, node: WorkflowNode, containerId: string): boolean {
  let current = node.parentId;
  const seen = new Set<string>();
  while (current !== undefined && !seen.has(current)) {
    if (current === containerId) return true;
    seen.add(current);
    current = ctx.byId.get(current)?.node.parentId;
  }
  return false;
}

function containerLabel(ctx: ValidationContext, id: string | undefined): string {
  const container = id === undefined ? undefined : ctx.byId.get(id)?.node;
  return container === undefined ? `"${id ?? ''}"` : label(container);
}

function label(node: WorkflowNode): string {
  return `"${node.name}"`;
}
