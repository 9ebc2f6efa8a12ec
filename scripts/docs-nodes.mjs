#!/usr/bin/env node
// Writes docs/nodes/ (the node reference) from the built-in node definitions; with --check it
// only compares and exits 1 when the pages are out of date. Imports the built packages, so
// `npm run docs:nodes` builds first.
import { fileURLToPath } from 'node:url';
import { diffNodeReference, writeNodeReference, NODE_REFERENCE_COMMAND } from '@flowstate/cli';

const dir = fileURLToPath(new URL('../docs/nodes/', import.meta.url));
const check = process.argv.includes('--check');
const diff = check ? await diffNodeReference(dir) : await writeNodeReference(dir);
const touched = [...diff.changed, ...diff.stale.map((file) => `${file} (removed)`)];
if (check && touched.length > 0) {
  console.error(
    `docs/nodes is out of date (${touched.join(', ')}); run \`${NODE_REFERENCE_COMMAND}\`.`,
  );
  process.exitCode = 1;
} else {
  console.log(
    touched.length === 0 ? 'docs/nodes is up to date.' : `docs/nodes: ${touched.join(', ')}`,
  );
}
