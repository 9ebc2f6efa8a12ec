import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  inferSchema,
  suggestMappings,
  type JsonSchema,
  type JsonValue,
  type NodeType,
} from '@flowstate/core';
import { CsvParseError, parseCsv } from '@flowstate/nodes';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { httpError } from '../errors.js';
import { errors, Json } from '../schemas/common.js';
import { paramsJsonSchema } from './node-types.js';

/** Rows of a CSV sample kept in the answer, for the editor to show and map from. */
const CSV_SAMPLE_ROWS = 20;

/** Elements of each list that inference and suggestions look at, to bound the work per request. */
const INSPECTED_ITEMS = 1000;

const CsvOptions = z
  .object({
    delimiter: z.string().min(1).max(5).default('auto'),
    header: z.boolean().default(true),
    inferTypes: z.boolean().default(true),
  })
  .meta({ description: 'How to read the CSV (as the csv.parse node does)' });

const InferBody = z
  .object({
    sample: Json.optional().meta({ description: 'A JSON sample, e.g. a node output' }),
    csv: z
      .string()
      .max(5 * 1024 * 1024)
      .optional()
      .meta({ description: 'CSV text; its rows are the sample' }),
    csvOptions: CsvOptions.optional(),
  })
  .refine((b) => (b.sample === undefined) !== (b.csv === undefined), {
    message: 'send exactly one of sample and csv',
    path: ['sample'],
  });

const InferResponse = z.object({
  schema: Json.meta({ description: 'JSON Schema (draft 2020-12) of the sample' }),
  sample: Json.meta({ description: 'The sample the schema describes (CSV: its first rows)' }),
  rows: z.number().int().optional().meta({ description: 'CSV: the number of data rows read' }),
});

const Suggestion = z
  .object({
    param: z.string(),
    expression: z.string().meta({ description: 'Template to put in the param' }),
    sourcePath: z.string(),
    score: z.number(),
    reason: z.string(),
  })
  .meta({ id: 'MappingSuggestion' });

const SuggestBody = z
  .object({
    nodeType: z
      .string()
      .min(1)
      .max(200)
      .meta({ description: 'The target node type, e.g. http.request' }),
    sample: Json.optional().meta({ description: 'Sample of the data mapped from ($input)' }),
    schema: z
      .record(z.string(), Json)
      .optional()
      .meta({ description: 'Or its JSON Schema (e.g. from infer-schema)' }),
    params: z
      .record(z.string(), Json)
      .optional()
      .meta({ description: "The node's current params: those already set get no suggestion" }),
    perParam: z.int().min(1).max(20).default(3),
  })
  .refine((b) => (b.sample === undefined) !== (b.schema === undefined), {
    message: 'send exactly one of sample and schema',
    path: ['sample'],
  });

/** Params a mapping must not fill: credential slots, raw expressions, ones already set. */
function excludedParams(nodeType: NodeType, params: Record<string, unknown>): string[] {
  const set = Object.entries(params)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([name]) => name);
  return [...Object.keys(nodeType.credentials ?? {}), ...(nodeType.rawParams ?? []), ...set];
}

function readCsv(text: string, options: z.output<typeof CsvOptions>): JsonValue[] {
  try {
    return parseCsv(text, { ...options, maxRows: 100_000 });
  } catch (error) {
    if (!(error instanceof CsvParseError)) throw error;
    const where = error.line === undefined ? '' : ` (line ${error.line})`;
    throw httpError('BAD_REQUEST', `The CSV cannot be read${where}: ${error.message}`, [
      { path: '/body/csv', message: error.message, code: error.code },
    ]);
  }
}

/**
 * `POST /api/v1/mapping/infer-schema` (a JSON Schema from a JSON or CSV sample) and
 * `POST /api/v1/mapping/suggest` (ranked mappings from a sample to a node type's params), for
 * the editor's autocomplete and drag-to-map.
 */
export function registerMappingRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/mapping/infer-schema',
    {
      schema: {
        tags: ['workflows'],
        summary: 'Infer a JSON Schema from a JSON or CSV sample',
        body: InferBody,
        response: { 200: InferResponse, ...errors(400) },
      },
      config: { access: 'editor' },
    },
    async (request) => {
      const { sample, csv, csvOptions } = request.body;
      if (csv !== undefined) {
        const rows = readCsv(csv, CsvOptions.parse(csvOptions ?? {}));
        return {
          schema: inferSchema(rows, { maxItems: INSPECTED_ITEMS }),
          sample: rows.slice(0, CSV_SAMPLE_ROWS),
          rows: rows.length,
        };
      }
      return { schema: inferSchema(sample as JsonValue, { maxItems: INSPECTED_ITEMS }), sample };
    },
  );

  api.post(
    '/mapping/suggest',
    {
      schema: {
        tags: ['workflows'],
        summary: "Suggest mappings from a sample to a node type's params",
        body: SuggestBody,
        response: {
          200: z.object({ nodeType: z.string(), suggestions: z.array(Suggestion) }),
          ...errors(400),
        },
      },
      config: { access: 'editor' },
    },
    async (request) => {
      const body = request.body;
      const nodeType = ctx.registry.get(body.nodeType);
      if (!nodeType)
        throw httpError('BAD_REQUEST', `Unknown node type "${body.nodeType}"`, [
          {
            path: '/body/nodeType',
            message: `no installed node type is called "${body.nodeType}"`,
          },
        ]);
      const suggestions = suggestMappings({
        source:
          body.schema === undefined
            ? { schema: inferSchema(body.sample as JsonValue, { maxItems: INSPECTED_ITEMS }) }
            : { schema: body.schema as JsonSchema },
        targetParamsSchema: paramsJsonSchema(nodeType) as JsonSchema,
        exclude: excludedParams(nodeType, body.params ?? {}),
        perParam: body.perParam,
      });
      return { nodeType: nodeType.type, suggestions };
    },
  );
}
