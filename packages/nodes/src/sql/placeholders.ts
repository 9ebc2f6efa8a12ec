import { NonRetriableError, type JsonValue } from '@flowstate/core';

/** A statement rewritten to positional placeholders and the values in their order. */
export interface PositionalStatement {
  sql: string;
  values: JsonValue[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Rewrites `:name` placeholders to positional ones (`$1` for PostgreSQL, `?` for MySQL),
 * skipping string literals, quoted identifiers, comments, PostgreSQL dollar quotes and `::`
 * casts. PostgreSQL reuses one `$n` per name; MySQL repeats the value. A name the
 * statement uses but `named` lacks is an error naming it.
 */
export function namedToPositional(
  sql: string,
  named: Readonly<Record<string, JsonValue>>,
  style: 'dollar' | 'question',
): PositionalStatement {
  let out = '';
  const values: JsonValue[] = [];
  const indexOf = new Map<string, number>();
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const skipped = skipLiteral(sql, i, style === 'dollar');
    if (skipped > i) {
      out += sql.slice(i, skipped);
      i = skipped;
      continue;
    }
    if (ch === ':' && sql[i + 1] === ':') {
      out += '::';
      i += 2;
      continue;
    }
    if (ch === ':') {
      NAME.lastIndex = i + 1;
      const match = NAME.exec(sql);
      if (match) {
        const name = match[0];
        if (!Object.hasOwn(named, name))
          throw new NonRetriableError(
            `The statement uses :${name} but parameters has no "${name}"`,
            { code: 'SQL_MISSING_PARAMETER' },
          );
        if (style === 'question') {
          values.push(named[name] as JsonValue);
          out += '?';
        } else {
          let index = indexOf.get(name);
          if (index === undefined) {
            values.push(named[name] as JsonValue);
            index = values.length;
            indexOf.set(name, index);
          }
          out += `$${index}`;
        }
        i += 1 + name.length;
        continue;
      }
    }
    out += ch;
    i += 1;
  }
  return { sql: out, values };
}

/** The end of a literal or comment starting at `i`, or `i` when none starts there. */
function skipLiteral(sql: string, i: number, dollarQuotes: boolean): number {
  const ch = sql[i];
  if (ch === "'" || ch === '"' || ch === '`') {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === '\\' && ch === "'" && !dollarQuotes) j += 2;
      else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
      else if (sql[j] === ch) return j + 1;
      else j += 1;
    }
    return sql.length;
  }
  if (ch === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end;
  }
  if (ch === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end === -1 ? sql.length : end + 2;
  }
  if (dollarQuotes && ch === '$') {
    const tag = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;
    tag.lastIndex = i;
    const match = tag.exec(sql);
    if (match) {
      const end = sql.indexOf(match[0], i + match[0].length);
      return end === -1 ? sql.length : end + match[0].length;
    }
  }
  return i;
}

/** The first keyword of a statement, upper-cased, after leading comments and spaces. */
export function firstKeyword(sql: string): string {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i] as string)) i += 1;
    const skipped = sql[i] === '-' || sql[i] === '/' ? skipLiteral(sql, i, false) : i;
    if (skipped === i) break;
    i = skipped;
  }
  return (/^[A-Za-z]+/.exec(sql.slice(i))?.[0] ?? '').toUpperCase();
}
