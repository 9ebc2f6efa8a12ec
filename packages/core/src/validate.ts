import { compileInputSchema } from './input-schema.js';
import type { z } from 'zod';
import { isJsonObject } from './json.js';
import { toPointer, type PathSegment } from './json-pointer.js';
import { migrateWorkflow } from './migrate.js';
import {
  CURRENT_SCHEMA_VERSION,
  EdgeSchema,
  NodeSchema,
  WorkflowSchema,
  type Workflow,
  type WorkflowEdge,
  type WorkflowNode,
} from './model.js';
import type { NodeRegistry } from './node-type.js';
import { checkCycles } from './validate-cycles.js';
import { checkParams } from './validate-params.js';
import { checkEdges, checkNodes, checkParents, checkTriggers } from './validate-structure.js';
import { ProblemCodes, type Problem, type ValidationContext } from './validation-context.js';

/** The outcome of {@link validate}: the parsed workflow, or every problem found. */
export type ValidationResult =
  | { ok: true; workflow: Workflow; problems: [] }
  | { ok: false; problems: Problem[]; workflow?: Workflow };

/**
 * Checks a workflow document against the schema and every graph rule, and returns all problems
 * at once, each with a JSON pointer: schema errors, duplicate node ids and names, unknown node
 * types, bad `parentId`s, duplicate or dangling edges, ports a node does not have, edges into
 * triggers or across container boundaries, cycles, templates that do not parse, params that
 * fail the node type's schema, and a missing trigger. Older documents are migrated first.
 *
 * @example
 * const result = validate(JSON.parse(text), registry);
 * if (!result.ok) for (const p of result.problems) console.log(`${p.path}: ${p.message}`);
 */
export function validate(doc: unknown, registry: NodeRegistry): ValidationResult {
  const migrated = migrateWorkflow(doc);
  if (!isJsonObject(migrated)) {
    return {
      ok: false,
      problems: [
        { path: '', message: 'a workflow must be a JSON object', code: ProblemCodes.schema },
      ],
    };
  }
  const problems: Problem[] = [];
  const version = migrated.schemaVersion;
  const tooNew = typeof version === 'number' && version > CURRENT_SCHEMA_VERSION;
  if (tooNew) {
    problems.push({
      path: '/schemaVersion',
      message: `schemaVersion ${version} is newer than this version of Flowstate supports (${CURRENT_SCHEMA_VERSION}); upgrade Flowstate`,
      code: ProblemCodes.unsupportedVersion,
    });
  }
  const parsed = WorkflowSchema.safeParse(migrated);
  let nodes: (WorkflowNode | undefined)[];
  let edges: (WorkflowEdge | undefined)[];
  if (parsed.success) {
    nodes = parsed.data.nodes;
    edges = parsed.data.edges;
  } else {
    for (const issue of parsed.error.issues) {
      if (tooNew && issue.path[0] === 'schemaVersion') continue;
      problems.push(schemaProblem(issue, migrated));
    }
    // Check the graph of whatever nodes and edges are individually valid.
    nodes = parseEach(migrated.nodes, NodeSchema);
    edges = parseEach(migrated.edges, EdgeSchema);
  }
  const ctx = buildContext(registry, nodes, edges, migrated.nodes, problems);
  checkNodes(ctx);
  checkParents(ctx);
  checkEdges(ctx);
  checkCycles(ctx);
  checkParams(ctx);
  checkTriggers(ctx);
  if (parsed.success && parsed.data.inputSchema !== undefined) {
    try {
      compileInputSchema(parsed.data.inputSchema);
    } catch (error) {
      problems.push({
        path: '/inputSchema',
        message: (error as Error).message,
        code: ProblemCodes.inputSchema,
      });
    }
  }
  if (parsed.success && problems.length === 0)
    return { ok: true, workflow: parsed.data, problems: [] };
  return parsed.success ? { ok: false, problems, workflow: parsed.data } : { ok: false, problems };
}

function parseEach<T>(items: unknown, schema: z.ZodType<T>): (T | undefined)[] {
  if (!Array.isArray(items)) return [];
  return items.map((item) => {
    const result = schema.safeParse(item);
    return result.success ? result.data : undefined;
  });
}

function buildContext(
  registry: NodeRegistry,
  nodes: (WorkflowNode | undefined)[],
  edges: (WorkflowEdge | undefined)[],
  rawNodes: unknown,
  problems: Problem[],
): ValidationContext {
  const byId = new Map<string, { node: WorkflowNode; index: number }>();
  nodes.forEach((node, index) => {
    if (node !== undefined && !byId.has(node.id)) byId.set(node.id, { node, index });
  });
  const anyNodeIds = new Set<string>();
  if (Array.isArray(rawNodes)) {
    for (const raw of rawNodes) {
      if (isJsonObject(raw) && typeof raw.id === 'string') anyNodeIds.add(raw.id);
    }
  }
  return { registry, nodes, edges, byId, anyNodeIds, problems };
}

function schemaProblem(issue: z.core.$ZodIssue, doc: unknown): Problem {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  let value: unknown = doc;
  for (const segment of path) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<PathSegment, unknown>)[segment]
        : undefined;
  }
  const message =
    issue.code === 'invalid_type' && value === undefined
      ? `is required (expected ${issue.expected})`
      : issue.message;
  return { path: toPointer(path), message, code: ProblemCodes.schema };
}
