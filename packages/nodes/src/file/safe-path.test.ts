import { resolve } from 'node:path';
import fc from 'fast-check';
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

describe('pathSegments (property)', () => {
  test('whatever the text, accepted segments stay below the folder', () => {
    const piece = fc.constantFrom('a', 'b', '.', '..', '/', '\\', ':', 'C:', '\0', ' ', '%2e');
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
        (path) => {
          let segments: string[];
          try {
            segments = pathSegments(path);
          } catch (error) {
            expect(error).toMatchObject({ code: 'PATH_NOT_ALLOWED' });
            return;
          }
          const root = '/data/files';
          const resolved = resolve(root, ...segments);
          expect(resolved.startsWith(`${root}/`)).toBe(true);
          expect(segments.every((s) => s !== '..' && s !== '.' && !s.includes('/'))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
