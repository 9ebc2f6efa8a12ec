import { portsOf, type NodeGroup, type NodeType } from '@flowstate/core';
import { NODE_GROUPS } from './check-node-type.js';
import { paramsJsonSchema } from './params-json-schema.js';
import { paramRows, type ParamRow } from './param-rows.js';

/** Options of {@link renderNodeReference}. */
export interface NodeReferenceOptions {
  /** Heading of the index page (default `Node reference`). */
  title?: string;
  /** Paragraph under the heading of the index page. */
  intro?: string;
  /** The command that regenerates the pages, named in their "do not edit" line. */
  command?: string;
}

const GROUP_TITLES: Record<NodeGroup, string> = {
  trigger: 'Triggers',
  action: 'Actions',
  control: 'Flow control',
  data: 'Data',
  crm: 'CRM',
  ai: 'AI',
};

/**
 * Renders Markdown reference pages from node type definitions: `README.md` (an index by
 * group) and one `<type>.md` per node type with its ports, credentials, retry defaults,
 * timeout and a params table built from the params' JSON Schema (Zod `.describe()` texts
 * become the descriptions). The output depends only on the definitions, sorted by group
 * and type id, so it can be committed and checked.
 *
 * @example
 * ```ts
 * const files = renderNodeReference([slugify]);
 * files['README.md']; // the index
 * files['example.slugify.md']; // the node's page
 * ```
 */
export function renderNodeReference(
  nodeTypes: readonly NodeType<any>[],
  options: NodeReferenceOptions = {},
): Record<string, string> {
  const sorted = [...nodeTypes].sort(
    (a, b) =>
      NODE_GROUPS.indexOf(a.group) - NODE_GROUPS.indexOf(b.group) || compare(a.type, b.type),
  );
  const generated = `<!-- Generated from the node definitions by \`${options.command ?? 'npm run docs:nodes'}\`; do not edit. -->`;
  const files: Record<string, string> = {};
  const index = [`# ${options.title ?? 'Node reference'}`, '', generated, ''];
  if (options.intro) index.push(options.intro, '');
  for (const group of NODE_GROUPS) {
    const members = sorted.filter((nodeType) => nodeType.group === group);
    if (members.length === 0) continue;
    index.push(
      `## ${GROUP_TITLES[group]}`,
      '',
      '| Node | Type | Description |',
      '| --- | --- | --- |',
    );
    for (const nodeType of members) {
      index.push(
        `| [${cell(nodeType.name)}](${nodeType.type}.md) | \`${nodeType.type}\` | ${cell(nodeType.description)} |`,
      );
    }
    index.push('');
  }
  files['README.md'] = `${index.join('\n').trimEnd()}\n`;
  for (const nodeType of sorted) files[`${nodeType.type}.md`] = renderPage(nodeType, generated);
  return files;
}

function renderPage(nodeType: NodeType<any>, generated: string): string {
  const lines = [`# ${nodeType.name}`, '', generated, '', nodeType.description, ''];
  lines.push('| | |', '| --- | --- |');
  lines.push(`| Type | \`${nodeType.type}\` |`);
  lines.push(`| Group | ${GROUP_TITLES[nodeType.group]} |`);
  if (nodeType.trigger === true) lines.push('| Trigger | yes: starts executions, has no inputs |');
  lines.push(
    `| Side effects | ${nodeType.sideEffects ? 'yes' : 'no (pure: the same input gives the same output)'} |`,
  );
  lines.push(`| Output ports | ${portsText(nodeType)} |`);
  if (nodeType.credentials && Object.keys(nodeType.credentials).length > 0) {
    const slots = Object.entries(nodeType.credentials).map(
      ([param, types]) => `\`${param}\`: ${types.join(', ')}`,
    );
    lines.push(`| Credentials | ${cell(slots.join('; '))} |`);
  }
  if (nodeType.retryDefaults) lines.push(`| Retry defaults | ${retryText(nodeType)} |`);
  if (nodeType.timeoutMs !== undefined)
    lines.push(`| Attempt timeout | ${nodeType.timeoutMs.toLocaleString('en-US')} ms |`);
  if (nodeType.rawParams && nodeType.rawParams.length > 0)
    lines.push(
      `| Raw params | ${nodeType.rawParams.map((p) => `\`${p}\``).join(', ')} (not template-resolved) |`,
    );
  lines.push('', '## Parameters', '');
  lines.push(...paramsSection(nodeType));
  const docs = nodeType.docs?.trim();
  if (docs) lines.push('', '## Notes', '', docs);
  return `${lines.join('\n').trimEnd()}\n`;
}

function paramsSection(nodeType: NodeType<any>): string[] {
  let schema: Record<string, unknown>;
  try {
    schema = paramsJsonSchema(nodeType);
  } catch {
    return ['The parameters cannot be described as JSON Schema.'];
  }
  const variants = (schema['anyOf'] ?? schema['oneOf']) as Record<string, unknown>[] | undefined;
  if (schema['properties'] === undefined && Array.isArray(variants)) {
    const out = ['One of:'];
    variants.forEach((variant, i) => out.push('', `### Variant ${i + 1}`, '', ...table(variant)));
    return out;
  }
  return table(schema);
}

function table(schema: Record<string, unknown>): string[] {
  const rows: ParamRow[] = paramRows(schema);
  if (rows.length === 0) return ['None.'];
  return [
    '| Name | Type | Required | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| \`${row.name}\` | ${cell(row.type)} | ${row.required ? 'yes' : 'no'} | ${
          row.default === undefined ? '' : `\`${cell(row.default)}\``
        } | ${cell(row.description)} |`,
    ),
  ];
}

function portsText(nodeType: NodeType<any>): string {
  if (typeof nodeType.ports === 'function') {
    try {
      const example = portsOf(nodeType as NodeType, {});
      return `depend on the params (with none: ${example.map((p) => `\`${p}\``).join(', ')})`;
    } catch {
      return 'depend on the params';
    }
  }
  return nodeType.ports.map((p) => `\`${p}\``).join(', ');
}

function retryText(nodeType: NodeType<any>): string {
  const r = nodeType.retryDefaults ?? {};
  const parts: string[] = [];
  if (r.maxAttempts !== undefined)
    parts.push(`${r.maxAttempts} attempt${r.maxAttempts === 1 ? '' : 's'}`);
  if (r.backoff !== undefined) parts.push(`${r.backoff} backoff`);
  if (r.delayMs !== undefined) parts.push(`from ${r.delayMs.toLocaleString('en-US')} ms`);
  if (r.maxDelayMs !== undefined) parts.push(`up to ${r.maxDelayMs.toLocaleString('en-US')} ms`);
  if (r.jitter !== undefined) parts.push(r.jitter === false ? 'no jitter' : 'jitter');
  return parts.join(', ');
}

/** Text safe inside a Markdown table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n+/g, ' ').replace(/\|/g, '\\|');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
