/** One parameter of a node as the reference's params table shows it. */
export interface ParamRow {
  /** Dotted path: `auth.type`, `headers.*`, `items[].name`. */
  name: string;
  type: string;
  required: boolean;
  /** The default as JSON text. */
  default?: string;
  description: string;
}

type Schema = Record<string, unknown>;

/**
 * Flattens an object JSON Schema into rows: one per property, nested objects as dotted
 * paths (`auth.type`), arrays of objects as `items[].field`. Rows keep the schema's property
 * order, which is the order the Zod object declares them in.
 */
export function paramRows(schema: Schema, prefix = '', parentRequired = true): ParamRow[] {
  const properties = schema['properties'] as Record<string, Schema> | undefined;
  if (properties === undefined) return [];
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const rows: ParamRow[] = [];
  for (const [key, property] of Object.entries(properties)) {
    const name = `${prefix}${key}`;
    const isRequired = parentRequired && required.has(key);
    rows.push({
      name,
      type: typeText(property),
      required: isRequired,
      ...(property['default'] === undefined
        ? {}
        : { default: JSON.stringify(property['default']) }),
      description: typeof property['description'] === 'string' ? property['description'] : '',
    });
    if (property['properties'] !== undefined)
      rows.push(...paramRows(property, `${name}.`, isRequired));
    const items = property['items'] as Schema | undefined;
    if (items?.['properties'] !== undefined)
      rows.push(...paramRows(items, `${name}[].`, isRequired));
  }
  return rows;
}

/** A short type text for a JSON Schema: `string (uri)`, `"GET" \| "POST"`, `integer (1..100)`. */
export function typeText(schema: Schema): string {
  if (typeof schema['$ref'] === 'string') {
    const name = schema['$ref'].split('/').pop() ?? '';
    // Zod names unnamed shared or recursive schemas __schema0, ...: here, any JSON value.
    return name === '' || name.startsWith('__schema') ? 'JSON' : name;
  }
  if (schema['const'] !== undefined) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['enum']))
    return schema['enum'].map((v) => JSON.stringify(v)).join(' | ');
  const variants = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (Array.isArray(variants)) {
    const tag = discriminator(variants);
    if (tag !== undefined) return `object (${tag.key}: ${tag.values.join(' | ')})`;
    const texts = [...new Set(variants.map((v) => typeText(v)))];
    return texts.join(' | ');
  }
  const type = schema['type'];
  if (Array.isArray(type)) return type.join(' | ');
  if (type === 'array') {
    const items = schema['items'] as Schema | undefined;
    return items ? `array of ${grouped(typeText(items))}` : 'array';
  }
  if (type === 'object') {
    const extra = schema['additionalProperties'];
    if (schema['properties'] === undefined && typeof extra === 'object' && extra !== null)
      return `object of ${grouped(typeText(extra as Schema))}`;
    return 'object';
  }
  if (typeof type !== 'string') return 'any';
  const details: string[] = [];
  if (typeof schema['format'] === 'string') details.push(schema['format']);
  const min = schema['minimum'] ?? schema['minLength'];
  const max = schema['maximum'] ?? schema['maxLength'];
  if (min !== undefined || max !== undefined) {
    const unit =
      schema['minLength'] !== undefined || schema['maxLength'] !== undefined ? ' chars' : '';
    details.push(
      `${min === undefined ? '' : String(min)}..${max === undefined ? '' : String(max)}${unit}`,
    );
  }
  return details.length === 0 ? type : `${type} (${details.join(', ')})`;
}

function grouped(text: string): string {
  return text.includes(' | ') ? `(${text})` : text;
}

/** The property every variant of a union fixes to a constant (`type` in `{ type: 'hmac', ... }`). */
function discriminator(variants: Schema[]): { key: string; values: string[] } | undefined {
  const first = variants[0]?.['properties'] as Record<string, Schema> | undefined;
  if (first === undefined || variants.length < 2) return undefined;
  for (const key of Object.keys(first)) {
    const values = variants.map((variant) => {
      const property = (variant['properties'] as Record<string, Schema> | undefined)?.[key];
      return property?.['const'];
    });
    if (values.every((value) => value !== undefined))
      return { key, values: values.map((value) => JSON.stringify(value)) };
  }
  return undefined;
}
