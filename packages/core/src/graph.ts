import { DEFAULT_PORT, type Workflow, type WorkflowEdge, type WorkflowNode } from './model.js';

/**
 * Indexed, read-only view of a workflow's nodes and edges. Built once per workflow version
 * and shared by the validator, the engine and the editor.
 */
export class WorkflowGraph {
  readonly workflow: Workflow;
  private readonly byId = new Map<string, WorkflowNode>();
  private readonly byName = new Map<string, WorkflowNode>();
  private readonly incomingEdges = new Map<string, WorkflowEdge[]>();
  private readonly outgoingEdges = new Map<string, WorkflowEdge[]>();
  private readonly children = new Map<string | undefined, WorkflowNode[]>();

  constructor(workflow: Workflow) {
    this.workflow = workflow;
    for (const node of workflow.nodes) {
      if (!this.byId.has(node.id)) this.byId.set(node.id, node);
      if (!this.byName.has(node.name)) this.byName.set(node.name, node);
      const siblings = this.children.get(node.parentId) ?? [];
      siblings.push(node);
      this.children.set(node.parentId, siblings);
    }
    for (const edge of workflow.edges) {
      push(this.outgoingEdges, edge.from, edge);
      push(this.incomingEdges, edge.to, edge);
    }
  }

  node(id: string): WorkflowNode | undefined {
    return this.byId.get(id);
  }

  nodeByName(name: string): WorkflowNode | undefined {
    return this.byName.get(name);
  }

  /** Edges that end at `nodeId`, in document order. */
  incoming(nodeId: string): readonly WorkflowEdge[] {
    return this.incomingEdges.get(nodeId) ?? [];
  }

  /** Edges that start at `nodeId`, in document order. */
  outgoing(nodeId: string): readonly WorkflowEdge[] {
    return this.outgoingEdges.get(nodeId) ?? [];
  }

  /** Nodes whose `parentId` is `parentId` (top-level nodes for `undefined`). */
  childrenOf(parentId: string | undefined): readonly WorkflowNode[] {
    return this.children.get(parentId) ?? [];
  }

  /** Top-level nodes with no incoming edge: where executions start. */
  triggers(): readonly WorkflowNode[] {
    return this.childrenOf(undefined).filter((node) => this.incoming(node.id).length === 0);
  }

  /** Nodes in a container's body that nothing inside the body leads to: they receive `$item`. */
  bodyEntries(containerId: string): readonly WorkflowNode[] {
    return this.childrenOf(containerId).filter((node) => this.incoming(node.id).length === 0);
  }

  /** Nodes of a scope with no outgoing edge: their outputs make the scope's result. */
  terminals(parentId: string | undefined): readonly WorkflowNode[] {
    return this.childrenOf(parentId).filter((node) => this.outgoing(node.id).length === 0);
  }
}

/** The port an edge leaves from. */
export function edgePort(edge: WorkflowEdge): string {
  return edge.port ?? DEFAULT_PORT;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
