import type { JsonValue } from '@flowstate/core';
import { CrmError } from './errors.js';
import type { RecordType } from './records.js';
import { columnOf, TABLE_SPECS } from './table-spec.js';

/** Comparison operators of list filters (`?dueAt=lt:1700000000000`; a bare value means `eq`). */
export const FILTER_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** One condition on an indexed field. `null` with `eq`/`ne` tests for missing values. */
export interface Filter {
  field: string;
  op: FilterOp;
  value: string | number | null;
}

/** A page request: filters, one sort field, a keyset cursor. */
export interface ListQuery {
  filters: Filter[];
  sort: { field: string; direction: 'asc' | 'desc' };
  limit: number;
  /** The last row of the previous page (its sort value and id), from `nextCursor`. */
  after?: { value: string | number; id: string };
}

/** A page of records and the cursor of the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Query parameters every list takes besides filters. */
const RESERVED = new Set(['sort', 'cursor', 'limit']);

/**
 * Turns the query string of a list endpoint into a `ListQuery`. Every other parameter is a
 * filter on an indexed field; an unknown one fails with `INVALID_FILTER` naming the allowed
 * ones, and a sort on an unindexed field with `INVALID_SORT`.
 *
 * @example
 * parseListQuery('task', { assigneeId: 'u1', dueAt: 'lt:1700000000000', sort: '-priority' });
 */
export function parseListQuery(
  type: RecordType,
  raw: Record<string, unknown>,
  options: { defaultLimit?: number; maxLimit?: number } = {},
): ListQuery {
  const spec = TABLE_SPECS[type];
  const filters: Filter[] = [];
  for (const [field, value] of Object.entries(raw)) {
    if (RESERVED.has(field) || value === undefined) continue;
    if (!spec.filterable.includes(field)) {
      throw new CrmError(
        'INVALID_FILTER',
        `Cannot filter ${type}s on "${field}": filters are allowed on the indexed fields ${spec.filterable.join(', ')}`,
        {
          details: [
            {
              path: `/query/${field}`,
              message: `not an indexed field; allowed: ${spec.filterable.join(', ')}`,
            },
          ],
        },
      );
    }
    for (const one of Array.isArray(value) ? value : [value]) {
      filters.push(parseFilter(type, field, String(one)));
    }
  }
  const sortText = raw['sort'] === undefined ? '-createdAt' : String(raw['sort']);
  const direction = sortText.startsWith('-') ? 'desc' : 'asc';
  const sortField = sortText.replace(/^[-+]/, '');
  if (!spec.sortable.includes(sortField)) {
    throw new CrmError(
      'INVALID_SORT',
      `Cannot sort ${type}s by "${sortField}": sorts are allowed on ${spec.sortable.join(', ')} (prefix - for descending)`,
      {
        details: [{ path: '/query/sort', message: `allowed: ${spec.sortable.join(', ')}` }],
      },
    );
  }
  const maxLimit = options.maxLimit ?? 500;
  const limit = raw['limit'] === undefined ? (options.defaultLimit ?? 50) : Number(raw['limit']);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    throw new CrmError('INVALID_FILTER', `limit must be an integer from 1 to ${maxLimit}`, {
      details: [{ path: '/query/limit', message: `must be an integer from 1 to ${maxLimit}` }],
    });
  }
  const query: ListQuery = { filters, sort: { field: sortField, direction }, limit };
  if (raw['cursor'] !== undefined && raw['cursor'] !== '') {
    query.after = decodeCursor(String(raw['cursor']), sortField);
  }
  return query;
}

function parseFilter(type: RecordType, field: string, text: string): Filter {
  const match = /^(eq|ne|lt|lte|gt|gte):(.*)$/s.exec(text);
  const op = (match?.[1] ?? 'eq') as FilterOp;
  const valueText = match ? (match[2] ?? '') : text;
  const kind = columnOf(type, field).kind;
  if (valueText === 'null' && (op === 'eq' || op === 'ne')) return { field, op, value: null };
  if (kind === 'int' || kind === 'real') {
    const value = Number(valueText);
    if (valueText === '' || !Number.isFinite(value)) {
      throw new CrmError('INVALID_FILTER', `Filter ${field} needs a number, got "${valueText}"`, {
        details: [
          {
            path: `/query/${field}`,
            message: 'must be a number (optionally prefixed by eq:, ne:, lt:, lte:, gt: or gte:)',
          },
        ],
      });
    }
    return { field, op, value };
  }
  return { field, op, value: valueText };
}

/** The opaque cursor naming the last row of a page. */
export function encodeCursor(sortField: string, value: JsonValue | undefined, id: string): string {
  return Buffer.from(JSON.stringify([sortField, value ?? null, id])).toString('base64url');
}

/** Decodes a cursor made by `encodeCursor`; `INVALID_CURSOR` when it is not one for this sort. */
export function decodeCursor(
  cursor: string,
  sortField: string,
): { value: string | number; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== sortField ||
    (typeof parsed[1] !== 'string' && typeof parsed[1] !== 'number') ||
    typeof parsed[2] !== 'string'
  ) {
    throw new CrmError(
      'INVALID_CURSOR',
      `The cursor is not one of this list sorted by ${sortField}; start again without it`,
      {
        details: [{ path: '/query/cursor', message: 'not a cursor of this list and sort' }],
      },
    );
  }
  return { value: parsed[1], id: parsed[2] };
}

/** Builds a page from `limit + 1` fetched rows: the extra row means there is a next page. */
export function toPage<T extends Record<string, unknown>>(rows: T[], query: ListQuery): Page<T> {
  if (rows.length <= query.limit) return { items: rows };
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1]!;
  return {
    items,
    nextCursor: encodeCursor(
      query.sort.field,
      last[query.sort.field] as JsonValue,
      String(last['id']),
    ),
  };
}
