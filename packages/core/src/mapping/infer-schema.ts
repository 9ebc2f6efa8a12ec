import { z } from 'zod';
import { isJsonObject, type JsonValue } from '../json.js';

/** A JSON Schema (draft 2020-12) as plain data. */
export type JsonSchema = { [key: string]: JsonValue };

/** Options of {@link inferSchema}. */
export interface InferSchemaOptions {
  /** Distinct example values kept per leaf (default 3; 0 keeps none). */
  maxExamples?: number;
  /** Nesting below which values are described as `{}` (default 20). */
  maxDepth?: number;
  /**
   * Elements of each list that are inspected (default all). A cap bounds the work for a large
   * sample; the schema then describes the first elements only.
   */
  maxItems?: number;
}

/**
 * Formats in the order they are tried: a cheap test of the shape first, then the Zod validator
 * that `z.fromJSONSchema` uses for the format, so a detected format always validates.
 */
const FORMAT_CHECKS: ReadonlyArray<readonly [string, (s: string) => boolean, z.ZodType]> = [
  ['date-time', (s) => /^\d{4}-\d\d-\d\dT/.test(s), z.iso.datetime({ offset: true, local: true })],
  ['date', (s) => s.length === 10 && /^\d{4}-/.test(s), z.iso.date()],
  ['uuid', (s) => s.length === 36 && s[8] === '-', z.uuid()],
  ['email', (s) => s.includes('@'), z.email()],
  ['uri', (s) => /^https?:\/\//i.test(s), z.url({ protocol: /^https?$/ })],
];

/** The JSON Schema `format` a string fits, checked with the same Zod validators that read it. */
export function detectFormat(value: string): string | undefined {
  if (value.length > 2048) return undefined;
  for (const [format, shape, check] of FORMAT_CHECKS)
    if (shape(value) && check.safeParse(value).success) return format;
  return undefined;
}

function typesOf(schema: JsonSchema): string[] {
  const type = schema['type'];
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? (type as string[]) : [];
}

function withTypes(schema: JsonSchema, types: string[]): JsonSchema {
  const unique = [...new Set(types)];
  const ordered = [...unique.filter((t) => t !== 'null'), ...unique.filter((t) => t === 'null')];
  return { ...schema, type: ordered.length === 1 ? ordered[0]! : ordered };
}

/** One value's schema, before any merging. */
function describe(
  value: JsonValue,
  depth: number,
  options: Required<InferSchemaOptions>,
): JsonSchema {
  if (value === null) return { type: 'null' };
  if (depth > options.maxDepth) return {};
  if (Array.isArray(value)) {
    const inspected = value.length > options.maxItems ? value.slice(0, options.maxItems) : value;
    const items = inspected.reduce<JsonSchema | undefined>((merged, item) => {
      const schema = describe(item, depth + 1, options);
      return merged === undefined ? schema : mergeSchemas(merged, schema, options);
    }, undefined);
    return items === undefined
      ? { type: 'array', items: {} }
      : { type: 'array', items, minItems: 1 };
  }
  if (isJsonObject(value)) {
    const properties: JsonSchema = {};
    for (const [key, child] of Object.entries(value))
      properties[key] = describe(child, depth + 1, options);
    return { type: 'object', properties, required: Object.keys(value) };
  }
  const examples: JsonSchema = options.maxExamples > 0 ? { examples: [value] } : {};
  if (typeof value === 'boolean') return { type: 'boolean', ...examples };
  if (typeof value === 'number')
    return { type: Number.isSafeInteger(value) ? 'integer' : 'number', ...examples };
  const format = detectFormat(value);
  return { type: 'string', ...(format === undefined ? {} : { format }), ...examples };
}

function mergeExamples(a: JsonSchema, b: JsonSchema, max: number): JsonSchema {
  const first = (a['examples'] as JsonValue[] | undefined) ?? [];
  if (first.length >= max) return first.length === 0 ? {} : { examples: first };
  const examples = [...first];
  const seen = new Set(first.map((e) => JSON.stringify(e)));
  for (const example of (b['examples'] as JsonValue[] | undefined) ?? []) {
    const key = JSON.stringify(example);
    if (seen.has(key)) continue;
    seen.add(key);
    examples.push(example);
    if (examples.length >= max) break;
  }
  return examples.length === 0 ? {} : { examples };
}

/**
 * Merges two inferred schemas into one that accepts the values of both: object properties are
 * united (required only when in both), array items merged, `integer` with `number` widened,
 * `null` added as a type, differing formats dropped, other mixes expressed with `anyOf`.
 */
export function mergeSchemas(
  a: JsonSchema,
  b: JsonSchema,
  options: Required<InferSchemaOptions> = { maxExamples: 3, maxDepth: 20, maxItems: Infinity },
): JsonSchema {
  if (Object.keys(a).length === 0 || Object.keys(b).length === 0) return {};
  if (a['anyOf'] === undefined && b['anyOf'] === undefined) {
    const joined = mergeSameKind(a, b, options);
    if (joined !== undefined) return joined;
  }
  const branches = [
    ...((a['anyOf'] as JsonSchema[] | undefined) ?? [a]),
    ...((b['anyOf'] as JsonSchema[] | undefined) ?? [b]),
  ];
  const merged: JsonSchema[] = [];
  for (const branch of branches) {
    let placed = false;
    for (const [index, existing] of merged.entries()) {
      const joined = mergeSameKind(existing, branch, options);
      if (joined !== undefined) {
        merged[index] = joined;
        placed = true;
        break;
      }
    }
    if (!placed) merged.push(branch);
  }
  return merged.length === 1 ? merged[0]! : { anyOf: merged };
}

/** Merges two schemas of one kind (or one of them only `null`); undefined when kinds differ. */
function mergeSameKind(
  a: JsonSchema,
  b: JsonSchema,
  options: Required<InferSchemaOptions>,
): JsonSchema | undefined {
  const ta = typesOf(a);
  const tb = typesOf(b);
  const nullable = ta.includes('null') || tb.includes('null');
  const ra = ta.filter((t) => t !== 'null');
  const rb = tb.filter((t) => t !== 'null');
  if (ra.length === 0 || rb.length === 0) {
    const base = ra.length === 0 ? b : a;
    return withTypes(base, [...typesOf(base), 'null']);
  }
  const kind = (types: string[]): string =>
    types.every((t) => t === 'integer' || t === 'number') ? 'number' : types.join('|');
  if (kind(ra) !== kind(rb)) return undefined;
  const widened =
    kind(ra) !== 'number' ? ra[0]! : [...ra, ...rb].includes('number') ? 'number' : 'integer';
  const base = nullable ? [widened, 'null'] : [widened];
  if (widened === 'object') {
    const pa = (a['properties'] ?? {}) as JsonSchema;
    const pb = (b['properties'] ?? {}) as JsonSchema;
    const properties: JsonSchema = {};
    for (const key of new Set([...Object.keys(pa), ...Object.keys(pb)])) {
      const x = pa[key] as JsonSchema | undefined;
      const y = pb[key] as JsonSchema | undefined;
      properties[key] = x && y ? mergeSchemas(x, y, options) : (x ?? y)!;
    }
    const inB = new Set((b['required'] as string[]) ?? []);
    const required = ((a['required'] as string[]) ?? []).filter((k) => inB.has(k));
    return withTypes({ type: 'object', properties, required }, base);
  }
  if (widened === 'array') {
    const ia = (a['items'] ?? {}) as JsonSchema;
    const ib = (b['items'] ?? {}) as JsonSchema;
    // An empty list says nothing about its items; keep what the other list says.
    const items =
      Object.keys(ia).length === 0
        ? ib
        : Object.keys(ib).length === 0
          ? ia
          : mergeSchemas(ia, ib, options);
    const nonEmpty: JsonSchema = a['minItems'] === 1 && b['minItems'] === 1 ? { minItems: 1 } : {};
    return withTypes({ type: 'array', items, ...nonEmpty }, base);
  }
  const format: JsonSchema =
    a['format'] !== undefined && a['format'] === b['format'] ? { format: a['format'] } : {};
  return withTypes({ ...format, ...mergeExamples(a, b, options.maxExamples) }, base);
}

/**
 * Infers a JSON Schema from a sample value: types (`integer` vs `number`), `required` keys,
 * string `format`s (date-time, date, email, uri, uuid), nullable fields (`type: [T, 'null']`),
 * array items merged across all elements, and a few `examples` per leaf. The result accepts
 * the sample. The editor uses it for autocomplete and to suggest mappings.
 *
 * @example
 * ```ts
 * inferSchema({ email: 'ada@example.com', age: 36 });
 * // { type: 'object', properties: { email: { type: 'string', format: 'email', ... }, ... },
 * //   required: ['email', 'age'] }
 * ```
 */
export function inferSchema(sample: JsonValue, options: InferSchemaOptions = {}): JsonSchema {
  const resolved = {
    maxExamples: options.maxExamples ?? 3,
    maxDepth: options.maxDepth ?? 20,
    maxItems: options.maxItems ?? Infinity,
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...describe(sample, 0, resolved),
  };
}
