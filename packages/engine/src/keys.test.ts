import { describe, expect, test } from 'vitest';
import {
  containerStepKey,
  iterationScope,
  parentScope,
  parseStepKey,
  ROOT_SCOPE,
  stepKey,
} from './keys.js';

describe('step keys', () => {
  test.each(['node', 'loop[3]/body', 'outer[0]/inner[12]/leaf'])('%s round-trips', (key) => {
    const { scope, nodeId } = parseStepKey(key);
    expect(stepKey(scope, nodeId)).toBe(key);
  });

  test('scopes nest and unwind', () => {
    const outer = iterationScope(ROOT_SCOPE, 'outer', 1);
    const inner = iterationScope(outer, 'inner', 2);
    expect(inner.prefix).toBe('outer[1]/inner[2]/');
    expect(containerStepKey(inner)).toBe('outer[1]/inner');
    expect(parentScope(inner)).toEqual(outer);
    expect(containerStepKey(ROOT_SCOPE)).toBeUndefined();
  });

  test('a malformed key is refused', () => {
    expect(() => parseStepKey('no-index/x')).toThrow(/Malformed/);
  });
});
