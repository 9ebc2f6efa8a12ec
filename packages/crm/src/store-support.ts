import type { StoredRecord } from './crm-store.js';
import type { ListQuery } from './list-query.js';
import type { RecordType } from './records.js';
import { columnOf, TABLE_SPECS } from './table-spec.js';

/**
 * Helpers for `CrmStore` adapters, so SQLite and PostgreSQL build the same statements from
 * `TABLE_SPECS`: row mapping, the keyset list query, the search words. SQL is written with
 * `?` placeholders; PostgreSQL numbers them with `numberPlaceholders`.
 */

/** A stored row (snake_case columns) as a record (camelCase fields, JSON parsed). */
export function rowToRecord(type: RecordType, row: Record<string, unknown>): StoredRecord {
  const record: Record<string, unknown> = {};
  for (const column of TABLE_SPECS[type].columns) {
    const value = row[column.column];
    record[column.field] =
      column.kind === 'json'
        ? JSON.parse(String(value ?? '{}'))
        : value === undefined
          ? null
          : column.kind === 'int' || column.kind === 'real'
            ? value === null
              ? null
              : Number(value)
            : value;
  }
  return record as StoredRecord;
}

/** The column values of a record, in `TABLE_SPECS` column order. */
export function recordToValues(type: RecordType, record: Record<string, unknown>): unknown[] {
  return TABLE_SPECS[type].columns.map((column) => {
    const value = record[column.field];
    if (column.kind === 'json') return JSON.stringify(value ?? {});
    return value === undefined ? null : value;
  });
}

/** `INSERT INTO table (cols) VALUES (?, ...)`. */
export function insertSql(type: RecordType): string {
  const { table, columns } = TABLE_SPECS[type];
  return `INSERT INTO ${table} (${columns.map((c) => c.column).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/** `UPDATE table SET col = ?, ... WHERE id = ?` (values: `recordToValues` minus id, then id). */
export function updateSql(type: RecordType): string {
  const { table, columns } = TABLE_SPECS[type];
  const set = columns.filter((c) => c.field !== 'id').map((c) => `${c.column} = ?`);
  return `UPDATE ${table} SET ${set.join(', ')} WHERE id = ?`;
}

/** Values for `updateSql`. */
export function updateValues(type: RecordType, record: Record<string, unknown>): unknown[] {
  const values = recordToValues(type, record);
  const columns = TABLE_SPECS[type].columns;
  return [...values.filter((_, i) => columns[i]!.field !== 'id'), record['id']];
}

const OPS = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/**
 * The keyset page query: filters on indexed columns, `(sort, id)` after the cursor, ordered
 * by `(sort, id)`, one extra row to know whether a next page exists.
 */
export function listSql(type: RecordType, query: ListQuery): { sql: string; params: unknown[] } {
  const { table } = TABLE_SPECS[type];
  const where: string[] = [];
  const params: unknown[] = [];
  for (const filter of query.filters) {
    const column = columnOf(type, filter.field).column;
    if (filter.value === null) {
      where.push(`${column} IS ${filter.op === 'ne' ? 'NOT ' : ''}NULL`);
    } else {
      where.push(`${column} ${OPS[filter.op]} ?`);
      params.push(filter.value);
    }
  }
  const sort = columnOf(type, query.sort.field).column;
  const desc = query.sort.direction === 'desc';
  if (query.after !== undefined) {
    where.push(`(${sort}, id) ${desc ? '<' : '>'} (?, ?)`);
    params.push(query.after.value, query.after.id);
  }
  const dir = desc ? 'DESC' : 'ASC';
  params.push(query.limit + 1);
  return {
    sql: `SELECT * FROM ${table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${sort} ${dir}, id ${dir} LIMIT ?`,
    params,
  };
}

/** Replaces `?` placeholders with `$1, $2, ...` (PostgreSQL). The SQL must hold no `?` literals. */
export function numberPlaceholders(sql: string, offset = 0): string {
  let n = offset;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The words of a search, lower-cased, split on anything but letters and digits (at most 8). */
export function searchWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .slice(0, 8);
}

/** The column that titles a search hit of a type. */
export function titleColumn(type: RecordType): string {
  return type === 'task' ? 'title' : type === 'activity' ? 'subject' : 'name';
}
