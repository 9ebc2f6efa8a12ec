import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { builtinNodes } from '@flowstate/nodes';
import {
  builtinNodeReference,
  diffNodeReference,
  NODE_REFERENCE_COMMAND,
} from './node-reference.js';

const docsDir = fileURLToPath(new URL('../../../docs/nodes/', import.meta.url));

describe('docs/nodes (the node reference)', () => {
  test('is up to date with the node definitions', async () => {
    const { changed, stale } = await diffNodeReference(docsDir);
    const problems = [...changed, ...stale.map((file) => `${file} (no longer generated)`)];
    expect(
      problems,
      `docs/nodes is out of date (${problems.join(', ')}): run \`${NODE_REFERENCE_COMMAND}\` and commit the result`,
    ).toEqual([]);
  });

  test('has a page for every built-in node type', () => {
    const pages = builtinNodeReference();
    for (const nodeType of builtinNodes) expect(pages).toHaveProperty([`${nodeType.type}.md`]);
  });
});
