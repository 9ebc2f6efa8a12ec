import type { WorkflowEdge, WorkflowNode } from './model.js';
import type { NodeRegistry } from './node-type.js';

/** One thing wrong with a workflow document: where (JSON pointer), what (a sentence) and a code. */
export interface Problem {
  /** JSON pointer into the document, e.g. `/nodes/3/name`. */
  path: string;
  message: string;
  /** Stable code, one of {@link ProblemCodes}. */
  code: string;
}

/** The stable codes of validation problems. */
export const ProblemCodes = {
  schema: 'SCHEMA',
  unsupportedVersion: 'UNSUPPORTED_SCHEMA_VERSION',
  duplicateNodeId: 'DUPLICATE_NODE_ID',
  duplicateNodeName: 'DUPLICATE_NODE_NAME',
  unknownNodeType: 'UNKNOWN_NODE_TYPE',
  badParent: 'BAD_PARENT',
  duplicateEdgeId: 'DUPLICATE_EDGE_ID',
  danglingEdge: 'DANGLING_EDGE',
  unknownPort: 'UNKNOWN_PORT',
  edgeIntoTrigger: 'EDGE_INTO_TRIGGER',
  crossContainerEdge: 'CROSS_CONTAINER_EDGE',
  cycle: 'CYCLE',
  expressionSyntax: 'EXPRESSION_SYNTAX',
  invalidParam: 'INVALID_PARAM',
  noTrigger: 'NO_TRIGGER',
  inputSchema: 'INVALID_INPUT_SCHEMA',
} as const;

/** Node types that hold a body of child nodes (`parentId` may name only these). */
export const CONTAINER_TYPES: ReadonlySet<string> = new Set(['flow.loop']);

/**
 * What the graph rules work on. Arrays keep document order; an entry is `undefined` where
 * that node or edge failed the schema, so pointers keep their original index.
 */
export interface ValidationContext {
  readonly registry: NodeRegistry;
  readonly nodes: readonly (WorkflowNode | undefined)[];
  readonly edges: readonly (WorkflowEdge | undefined)[];
  /** First schema-valid node with each id, with its index. */
  readonly byId: ReadonlyMap<string, { node: WorkflowNode; index: number }>;
  /** Ids of every node that has a string id, valid or not (so edges to them are not dangling). */
  readonly anyNodeIds: ReadonlySet<string>;
  readonly problems: Problem[];
}
