import { describe, expect, test } from 'vitest';
import { decodeCursor, encodeCursor, parseListQuery, toPage } from './list-query.js';

describe('parseListQuery', () => {
  test('filters with operators, a descending sort, a cursor', () => {
    const cursor = encodeCursor('priority', 3, 't9');
    expect(
      parseListQuery('task', {
        assigneeId: 'ann',
        dueAt: 'lt:100',
        recordId: 'null',
        sort: '-priority',
        limit: '10',
        cursor,
      }),
    ).toEqual({
      filters: [
        { field: 'assigneeId', op: 'eq', value: 'ann' },
        { field: 'dueAt', op: 'lt', value: 100 },
        { field: 'recordId', op: 'eq', value: null },
      ],
      sort: { field: 'priority', direction: 'desc' },
      limit: 10,
      after: { value: 3, id: 't9' },
    });
    expect(parseListQuery('contact', {})).toMatchObject({
      sort: { field: 'createdAt', direction: 'desc' },
      limit: 50,
    });
  });

  test.each([
    [{ title: 'x' }, 'INVALID_FILTER'],
    [{ sort: 'title' }, 'INVALID_SORT'],
    [{ priority: 'high' }, 'INVALID_FILTER'],
    [{ limit: '0' }, 'INVALID_FILTER'],
    [{ limit: '501' }, 'INVALID_FILTER'],
    [{ sort: 'dueAt', cursor: encodeCursor('priority', 1, 'x') }, 'INVALID_CURSOR'],
  ])('%j fails with %s', (raw, code) => {
    expect(() => parseListQuery('task', raw)).toThrow(expect.objectContaining({ code }));
  });

  test('a page of limit + 1 rows has a cursor naming its last row', () => {
    const query = parseListQuery('task', { sort: 'dueAt', limit: '2' });
    const page = toPage(
      [
        { id: 'a', dueAt: 1 },
        { id: 'b', dueAt: 2 },
        { id: 'c', dueAt: 3 },
      ],
      query,
    );
    expect(page.items.map((r) => r.id)).toEqual(['a', 'b']);
    expect(decodeCursor(page.nextCursor!, 'dueAt')).toEqual({ value: 2, id: 'b' });
    expect(toPage([{ id: 'a', dueAt: 1 }], query)).toEqual({ items: [{ id: 'a', dueAt: 1 }] });
  });
});
