import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { builtinNodes } from '@flowstate/nodes';
import { createCrmNodes, type CrmService } from '@flowstate/crm';
import { renderNodeReference } from '@flowstate/sdk';

/** The command that regenerates `docs/nodes/`, named in the pages and in the check's message. */
export const NODE_REFERENCE_COMMAND = 'npm run docs:nodes';

/**
 * The pages of `docs/nodes/` (file name -> Markdown) rendered from the built-in node
 * definitions. Deterministic: the same definitions always give the same bytes.
 */
export function builtinNodeReference(): Record<string, string> {
  // Rendering reads the definitions only; no CRM node runs here, so none needs a service.
  const crmNodes = createCrmNodes({ crm: undefined as unknown as CrmService });
  return renderNodeReference([...builtinNodes, ...crmNodes], {
    command: NODE_REFERENCE_COMMAND,
    intro:
      'Every built-in node type, by palette group, generated from its definition: params, ports, credentials, retry defaults and timeout. Nodes from plugins are documented by their packages (see [the plugin guide](../plugins.md)); `GET /api/v1/node-types` lists every node a server has installed.',
  });
}

/** How the files of a folder differ from the expected pages. */
export interface NodeReferenceDiff {
  /** Pages that are missing or whose content differs. */
  changed: string[];
  /** `.md` files in the folder that no node type produces any more. */
  stale: string[];
}

/** Compares `dir` with the expected pages; empty lists mean it is up to date. */
export async function diffNodeReference(
  dir: string,
  expected: Record<string, string> = builtinNodeReference(),
): Promise<NodeReferenceDiff> {
  const present = await markdownFiles(dir);
  const changed: string[] = [];
  for (const [file, content] of Object.entries(expected)) {
    const actual = present.has(file) ? await readFile(join(dir, file), 'utf8') : undefined;
    if (actual !== content) changed.push(file);
  }
  const stale = [...present].filter((file) => !(file in expected)).sort();
  return { changed: changed.sort(), stale };
}

/** Writes the pages into `dir` and deletes `.md` files no node type produces any more. */
export async function writeNodeReference(
  dir: string,
  expected: Record<string, string> = builtinNodeReference(),
): Promise<NodeReferenceDiff> {
  const diff = await diffNodeReference(dir, expected);
  await mkdir(dir, { recursive: true });
  for (const file of diff.changed) await writeFile(join(dir, file), expected[file] ?? '');
  for (const file of diff.stale) await rm(join(dir, file));
  return diff;
}

async function markdownFiles(dir: string): Promise<Set<string>> {
  try {
    return new Set((await readdir(dir)).filter((file) => file.endsWith('.md')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw error;
  }
}
