import { z } from 'zod';

/** Retry policy of a node; unset fields fall back to the node type's defaults. */
export const RetryPolicySchema = z.object({
  maxAttempts: z.int().min(1).max(100),
  backoff: z.enum(['fixed', 'exponential']),
  delayMs: z.int().min(0).max(86_400_000),
  maxDelayMs: z.int().min(0).max(86_400_000),
  /** Fraction (0-1) of the delay that is randomised; `true` means 0.2, `false` 0. */
  jitter: z.union([z.boolean(), z.number().min(0).max(1)]),
});
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

/** What happens when a node's attempts run out. */
export const OnErrorSchema = z.enum(['fail', 'continue', 'route']);
export type OnError = z.infer<typeof OnErrorSchema>;

export const PositionSchema = z.object({ x: z.number(), y: z.number() });

/** One node of a workflow (DESIGN section 2). */
export const NodeSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  params: z.record(z.string(), z.unknown()).default({}),
  position: PositionSchema.optional(),
  disabled: z.boolean().optional(),
  notes: z.string().max(10_000).optional(),
  color: z.string().max(50).optional(),
  retry: RetryPolicySchema.partial().optional(),
  timeoutMs: z.int().min(1).max(86_400_000).optional(),
  onError: OnErrorSchema.optional(),
  parentId: z.string().min(1).optional(),
});
export type WorkflowNode = z.infer<typeof NodeSchema>;

/** A connection from one node's output port to another node. */
export const EdgeSchema = z.object({
  id: z.string().min(1).max(200),
  from: z.string().min(1),
  port: z.string().min(1).optional(),
  to: z.string().min(1),
});
export type WorkflowEdge = z.infer<typeof EdgeSchema>;

export const WorkflowSettingsSchema = z.object({
  timezone: z.string().optional(),
  timeoutMs: z.int().min(1).optional(),
  concurrency: z.int().min(1).optional(),
  errorWorkflowId: z.string().optional(),
  retention: z
    .object({ days: z.int().min(0).optional(), failedDays: z.int().min(0).optional() })
    .optional(),
});
export type WorkflowSettings = z.infer<typeof WorkflowSettingsSchema>;

/** A note on the canvas (not a node: it never runs). */
export const StickyNoteSchema = z.object({
  id: z.string().min(1).max(200),
  text: z.string().max(10_000),
  position: PositionSchema,
  width: z.number().min(40).max(4000).optional(),
  height: z.number().min(40).max(4000).optional(),
  color: z.string().max(50).optional(),
});
export type StickyNote = z.infer<typeof StickyNoteSchema>;

/** Current version of the workflow document format. Only grows; older documents are migrated. */
export const CURRENT_SCHEMA_VERSION = 1;

/** The workflow definition document (JSON, `schemaVersion: 1`). */
export const WorkflowSchema = z.object({
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).optional(),
  tags: z.array(z.string().min(1).max(100)).max(100).optional(),
  nodes: z.array(NodeSchema).max(10_000),
  edges: z.array(EdgeSchema).max(50_000),
  settings: WorkflowSettingsSchema.optional(),
  stickyNotes: z.array(StickyNoteSchema).max(1000).optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
});
export type Workflow = z.infer<typeof WorkflowSchema>;

/** The port an edge leaves from when it names none. */
export const DEFAULT_PORT = 'out';
/** The port a node with `onError: 'route'` sends `{ error, input }` out of. */
export const ERROR_PORT = 'error';
