import { describe, expect, test } from 'vitest';
import { firstKeyword, namedToPositional } from './placeholders.js';

describe('namedToPositional', () => {
  test.each([
    [
      'SELECT * FROM t WHERE a = :a AND b = :b OR a2 = :a',
      'dollar',
      'SELECT * FROM t WHERE a = $1 AND b = $2 OR a2 = $1',
      [1, 2],
    ],
    [
      'SELECT * FROM t WHERE a = :a AND b = :b OR a2 = :a',
      'question',
      'SELECT * FROM t WHERE a = ? AND b = ? OR a2 = ?',
      [1, 2, 1],
    ],
    [
      'SELECT \':a\', ":a", `:a` FROM t WHERE x = :b',
      'question',
      'SELECT \':a\', ":a", `:a` FROM t WHERE x = ?',
      [2],
    ],
    [
      "SELECT 'it''s :a' -- :a\n, :b /* :a */",
      'question',
      "SELECT 'it''s :a' -- :a\n, ? /* :a */",
      [2],
    ],
    ['SELECT :b::int, $$ :a $$, $x$ :a $x$', 'dollar', 'SELECT $1::int, $$ :a $$, $x$ :a $x$', [2]],
  ] as const)('%s (%s)', (sql, style, expected, values) => {
    expect(namedToPositional(sql, { a: 1, b: 2 }, style)).toEqual({ sql: expected, values });
  });

  test('a missing name is an error naming it', () => {
    expect(() => namedToPositional('SELECT :nope', {}, 'dollar')).toThrow(/:nope/);
  });
});

describe('firstKeyword', () => {
  test.each([
    ['select 1', 'SELECT'],
    ['  -- c\n /* d */ attach x', 'ATTACH'],
    ['/* a */VACUUM', 'VACUUM'],
    ['', ''],
  ])('%j -> %s', (sql, keyword) => {
    expect(firstKeyword(sql)).toBe(keyword);
  });
});
