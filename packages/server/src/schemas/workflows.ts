import { NodeSchema, EdgeSchema, WorkflowSchema } from '@flowstate/core';
import { z } from 'zod';
import { Json } from './common.js';

/** A workflow id: safe in URLs and file names. */
export const WorkflowIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/,
    'must be 1-200 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** The workflow document as stored (core's schema). */
export const WorkflowDefinition = WorkflowSchema.meta({ id: 'WorkflowDefinition' });

/**
 * A workflow document as a request body: core's schema, with an optional `id` and an optional
 * `schemaVersion` (older documents are migrated, a newer one is reported by the validator).
 */
export const WorkflowDocumentBody = WorkflowSchema.extend({
  id: WorkflowIdSchema.optional(),
  schemaVersion: z.number().int().min(1).optional(),
}).meta({ id: 'WorkflowDocument' });

export const WorkflowRecordSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    active: z.boolean(),
    draftVersion: z.number().meta({ description: 'Latest saved version (test runs, editor)' }),
    publishedVersion: z
      .number()
      .optional()
      .meta({ description: 'Version triggers and runs use; absent until published' }),
    publishedAt: z.number().optional(),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .meta({ id: 'WorkflowRecord' });

export const WorkflowViewSchema = WorkflowRecordSchema.extend({
  definition: WorkflowDefinition.meta({ description: 'The draft definition' }),
}).meta({ id: 'Workflow' });

export const VersionSummarySchema = z
  .object({
    workflowId: z.string(),
    version: z.number(),
    hash: z.string().meta({ description: 'sha256 of the canonical JSON of the definition' }),
    author: z.string(),
    message: z.string().optional(),
    createdAt: z.number(),
    draft: z.boolean(),
    published: z.boolean(),
  })
  .meta({ id: 'WorkflowVersionSummary' });

export const VersionSchema = VersionSummarySchema.extend({ definition: WorkflowDefinition }).meta({
  id: 'WorkflowVersion',
});

const ValueChange = z.object({ path: z.string(), before: Json.optional(), after: Json.optional() });
const NodeValueChange = ValueChange.extend({ nodeId: z.string() });
const Position = z.object({ x: z.number(), y: z.number() });

/** `WorkflowDiff` from core. */
export const DiffSchema = z
  .object({
    nodesAdded: z.array(NodeSchema),
    nodesRemoved: z.array(NodeSchema),
    nodesRenamed: z.array(z.object({ nodeId: z.string(), from: z.string(), to: z.string() })),
    nodesMoved: z.array(
      z.object({ nodeId: z.string(), from: Position.optional(), to: Position.optional() }),
    ),
    paramsChanged: z.array(NodeValueChange),
    nodesChanged: z.array(NodeValueChange),
    edgesAdded: z.array(EdgeSchema),
    edgesRemoved: z.array(EdgeSchema),
    settingsChanged: z.array(ValueChange),
    workflowChanged: z.array(ValueChange),
  })
  .meta({ id: 'WorkflowDiff' });

export const DiffResponse = z.object({
  workflowId: z.string(),
  from: z.number(),
  to: z.number(),
  diff: DiffSchema,
  changes: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })),
});

/** A credential a node refers to; exports carry these references, never secrets. */
const CredentialReference = z.object({
  nodeId: z.string(),
  path: z.string().meta({ description: 'JSON pointer of the reference inside the node' }),
  credential: z.string().meta({ description: 'The credential id or name referred to' }),
});

/** One workflow of an export. */
export const ExportedWorkflow = z.object({
  id: WorkflowIdSchema,
  name: z.string().optional(),
  active: z.boolean().optional(),
  version: z.number().optional(),
  definition: Json.meta({ description: 'A workflow document, validated on import' }),
  credentials: z.array(CredentialReference).optional(),
});

/** Header of every export file. */
export const EXPORT_FORMAT = 'flowstate-export';
export const EXPORT_VERSION = 1;

/** An export file: one workflow or a bundle, both as `workflows: [...]`. */
export const ExportFile = z
  .object({
    format: z.literal(EXPORT_FORMAT),
    version: z.literal(EXPORT_VERSION),
    exportedAt: z.string().optional(),
    workflows: z.array(ExportedWorkflow).min(1).max(1000),
  })
  .meta({ id: 'ExportFile' });
export type ExportFile = z.infer<typeof ExportFile>;
