import { isJsonObject, type JsonValue } from '../json.js';
import { inferSchema, type JsonSchema } from './infer-schema.js';
import { nameSimilarity } from './name-match.js';

/** A field of the source data that a parameter could be mapped from. */
export interface SourceField {
  /** Dotted path for display, e.g. `customer.email` or `lines[0].sku`. */
  path: string;
  /** JSONata path below `$input`, with backticks where a key needs them. */
  expression: string;
  /** The last key: what the name similarity looks at. */
  name: string;
  types: string[];
  format?: string;
  depth: number;
}

/** One suggested mapping of a source field to a target parameter. */
export interface MappingSuggestion {
  param: string;
  /** A template to put in the param, e.g. `{{ $input.customer.email }}`. */
  expression: string;
  sourcePath: string;
  /** 0..1, higher is better. */
  score: number;
  reason: string;
}

/** Options of {@link suggestMappings}. */
export interface SuggestMappingsOptions {
  /** A sample of the data (e.g. the previous node's output), or its JSON Schema. */
  source: { sample: JsonValue } | { schema: JsonSchema };
  /** JSON Schema of the target node's params (as `GET /node-types` gives it). */
  targetParamsSchema: JsonSchema;
  /** Params not to suggest for (credential slots, raw expressions, already set ones). */
  exclude?: readonly string[];
  /** Suggestions kept per param (default 3). */
  perParam?: number;
  /** Below this score a pair is not suggested (default 0.5). */
  minScore?: number;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORDS = new Set(['and', 'or', 'in', 'true', 'false', 'null', 'function']);
const MAX_FIELDS = 2000;

function typesOf(schema: JsonSchema): string[] {
  const type = schema['type'];
  if (typeof type === 'string') return [type];
  if (Array.isArray(type)) return type as string[];
  const branches = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (Array.isArray(branches)) return [...new Set(branches.flatMap(typesOf))];
  if (Array.isArray(schema['enum']))
    return [...new Set((schema['enum'] as JsonValue[]).map(jsonType))];
  if (schema['const'] !== undefined) return [jsonType(schema['const'])];
  return [];
}

function jsonType(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * Every field of a source schema that a mapping can point at: object properties at any depth
 * and, through `[0]`, the fields every element of a list has (when no sampled list was empty). Only fields the data is sure to
 * have are listed (required ones), so each expression resolves on the sample it came from.
 */
export function sourceFields(schema: JsonSchema): SourceField[] {
  const fields: SourceField[] = [];
  const walk = (node: JsonSchema, path: string, expression: string, depth: number): void => {
    if (depth > 8 || fields.length >= MAX_FIELDS) return;
    const properties = node['properties'];
    if (isJsonObject(properties)) {
      const required = new Set((node['required'] as string[]) ?? []);
      for (const [key, child] of Object.entries(properties)) {
        if (!required.has(key) || key.includes('`') || !isJsonObject(child)) continue;
        const step = PLAIN_KEY.test(key) && !KEYWORDS.has(key) ? key : `\`${key}\``;
        const childPath = path === '' ? key : `${path}.${key}`;
        const childExpression = `${expression}.${step}`;
        const format = child['format'];
        fields.push({
          path: childPath,
          expression: childExpression,
          name: key,
          types: typesOf(child),
          ...(typeof format === 'string' ? { format } : {}),
          depth,
        });
        // A field that may be null cannot be walked into: its sub-fields may not be there.
        if (!typesOf(child).includes('null')) walk(child, childPath, childExpression, depth + 1);
      }
    }
    const items = node['items'];
    if (
      typesOf(node).includes('array') &&
      isJsonObject(items) &&
      node['minItems'] === 1 &&
      !typesOf(items).includes('null')
    )
      walk(items, `${path}[0]`, `${expression}[0]`, depth + 1);
  };
  walk(schema, '', '$input', 0);
  return fields;
}

/** How well a value of `source` types fits a param of `target` types: 1 fits, 0.5 converts, 0 not. */
export function typeFit(source: readonly string[], target: readonly string[]): number {
  if (target.length === 0 || source.length === 0) return 0.5;
  const real = source.filter((t) => t !== 'null');
  if (real.length === 0) return 0.5;
  const fits = (t: string): number => {
    if (target.includes(t)) return 1;
    if (t === 'integer' && target.includes('number')) return 1;
    if (target.includes('string') && (t === 'number' || t === 'integer' || t === 'boolean'))
      return 0.5;
    if (
      t === 'string' &&
      (target.includes('number') || target.includes('integer') || target.includes('boolean'))
    )
      return 0.3;
    return 0;
  };
  return Math.min(...real.map(fits));
}

/**
 * Suggests, for each param of a target node, the source fields it could be mapped from:
 * ranked by name similarity (case styles, synonyms such as email/mail, first_name/given name,
 * phone/tel) and type compatibility. Returns the best few per param, best first.
 *
 * @example
 * ```ts
 * suggestMappings({
 *   source: { sample: { customer: { mail: 'ada@example.com' } } },
 *   targetParamsSchema: { type: 'object', properties: { email: { type: 'string' } } },
 * });
 * // [{ param: 'email', expression: '{{ $input.customer.mail }}', score: 0.93, ... }]
 * ```
 */
export function suggestMappings(options: SuggestMappingsOptions): MappingSuggestion[] {
  const schema =
    'schema' in options.source ? options.source.schema : inferSchema(options.source.sample);
  const fields = sourceFields(schema);
  const params = options.targetParamsSchema['properties'];
  if (!isJsonObject(params)) return [];
  const exclude = new Set(options.exclude ?? []);
  const perParam = options.perParam ?? 3;
  const minScore = options.minScore ?? 0.5;
  const suggestions: MappingSuggestion[] = [];
  for (const [param, paramSchema] of Object.entries(params)) {
    if (exclude.has(param) || !isJsonObject(paramSchema)) continue;
    const targetTypes = typesOf(paramSchema);
    const ranked: MappingSuggestion[] = [];
    for (const field of fields) {
      const name = nameSimilarity(field.name, param);
      if (name.score === 0) continue;
      const fit = typeFit(field.types, targetTypes);
      if (fit === 0) continue;
      const score = Math.round((name.score * 0.8 + fit * 0.2 - field.depth * 0.01) * 1000) / 1000;
      if (score < minScore) continue;
      const typeNote = fit === 1 ? 'same type' : 'type converts';
      ranked.push({
        param,
        expression: `{{ ${field.expression} }}`,
        sourcePath: field.path,
        score,
        reason: `${name.reason}; ${typeNote}`,
      });
    }
    ranked.sort((a, b) => b.score - a.score || a.sourcePath.localeCompare(b.sourcePath));
    suggestions.push(...ranked.slice(0, perParam));
  }
  return suggestions.sort((a, b) => b.score - a.score || a.param.localeCompare(b.param));
}
