import { describe, expect, test } from 'vitest';
import { pathSegments } from './safe-path.js';

describe('pathSegments', () => {
  test.each([
    ['a.txt', ['a.txt']],
    ['dir/./sub//b.txt', ['dir', 'sub', 'b.txt']],
    ['..a/b..', ['..a', 'b..']],
  ])('%j -> %j', (path, segments) => {
    expect(pathSegments(path)).toEqual(segments);
  });

  test.each([
    ['../x', '".."'],
    ['a/../../x', '".."'],
    ['/etc/passwd', 'absolute'],
    ['//server/share', 'absolute'],
    ['a\\..\\b', 'backslashes'],
    ['C:/x', 'drive letters'],
    ['z:x', 'drive letters'],
    ['a\0b', 'NUL'],
    ['.', 'no file'],
    ['x'.repeat(256), 'longer than 255'],
  ])('refuses %j (%s)', (path, reason) => {
    expect(() => pathSegments(path)).toThrow(reason);
  });
});
