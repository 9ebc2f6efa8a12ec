import { BoundedCache } from './expression-cache.js';
import { ExpressionError } from './expression-error.js';

/** A piece of a template string: literal text or a `{{ expression }}`. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'expression';
      /** The JSONata source between the braces, surrounding whitespace included. */
      readonly source: string;
      /** Character offset of `source` within the template string. */
      readonly offset: number;
    };

/** A parsed template. `single` is set when the whole string is one `{{ }}` (whitespace around allowed). */
export interface Template {
  readonly parts: readonly TemplatePart[];
  /** The only expression of a single-template string: its value keeps its JSON type. */
  readonly single: (TemplatePart & { kind: 'expression' }) | undefined;
}

/**
 * True when `value` is a string holding at least one `{{`: it is resolved at run time, so it
 * is accepted for any parameter type and checked for syntax by the validator.
 */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes('{{');
}

/**
 * Splits a string into literal text and `{{ expression }}` parts. The closing `}}` is found
 * outside JSONata strings, backtick names and comments and at brace depth zero, so object
 * constructors like `{{ {"a": {"b": 1}} }}` work. Throws an {@link ExpressionError}
 * (`EXPRESSION_SYNTAX`) for an unterminated or empty template.
 */
export function parseTemplate(source: string): Template {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  while (cursor < source.length) {
    const open = source.indexOf('{{', cursor);
    if (open === -1) break;
    if (open > cursor) parts.push({ kind: 'text', text: source.slice(cursor, open) });
    const start = open + 2;
    const close = findClose(source, start);
    if (close === -1) {
      throw new ExpressionError('EXPRESSION_SYNTAX', 'Template "{{" is not closed by "}}"', {
        position: open + 1,
      });
    }
    const expression = source.slice(start, close);
    if (expression.trim() === '') {
      throw new ExpressionError('EXPRESSION_SYNTAX', 'Template "{{ }}" holds no expression', {
        position: open + 1,
      });
    }
    parts.push({ kind: 'expression', source: expression, offset: start });
    cursor = close + 2;
  }
  if (cursor < source.length) parts.push({ kind: 'text', text: source.slice(cursor) });
  return { parts, single: singleExpression(parts) };
}

function singleExpression(parts: readonly TemplatePart[]): Template['single'] {
  let found: Template['single'];
  for (const part of parts) {
    if (part.kind === 'expression') {
      if (found !== undefined) return undefined;
      found = part;
    } else if (part.text.trim() !== '') {
      return undefined;
    }
  }
  return found;
}

/** Index of the `}}` that closes a template whose expression starts at `from`, or -1. */
function findClose(source: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipQuoted(source, i, ch);
      continue;
    }
    if (ch === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) return -1;
      i = end + 2;
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') {
      if (depth === 0 && source[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
    i++;
  }
  return -1;
}

/** Index just past the quoted run that starts at `start`; backslash escapes apply except in backticks. */
function skipQuoted(source: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\' && quote !== '`') i += 2;
    else if (ch === quote) return i + 1;
    else i++;
  }
  return i;
}

const templates = new BoundedCache<Template | ExpressionError>(5_000);

/**
 * {@link parseTemplate} with a bounded cache: parameter strings repeat on every execution.
 * Throws the same {@link ExpressionError} (without node or path) for a broken template.
 */
export function parseTemplateCached(source: string): Template {
  let template = templates.get(source);
  if (template === undefined) {
    try {
      template = parseTemplate(source);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      template = error;
    }
    templates.set(source, template);
  }
  if (template instanceof ExpressionError) throw template;
  return template;
}
