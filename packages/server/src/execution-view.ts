import type { JsonValue, Workflow } from '@flowstate/core';
import {
  parseStepKey,
  type ExecutionDetail,
  type ExecutionRecord,
  type StepRecord,
} from '@flowstate/engine';

/** Payloads whose JSON is larger than this are linked, not inlined (default 64 KiB). */
export const DEFAULT_INLINE_PAYLOAD_BYTES = 64 * 1024;

/** A payload too large to inline. */
export interface PayloadLink {
  href: string;
  bytes: number;
}

/** The execution without payloads: what lists return. */
export function executionSummary(execution: ExecutionRecord) {
  const { input: _input, output: _output, response: _response, ...summary } = execution;
  return summary;
}

/**
 * The API view of an execution: the step timeline (node names and types, enclosing loop
 * iterations, timings, attempts), payloads inline up to `inlineBytes` and linked above it,
 * and the parent and child executions.
 */
export function executionDetailView(input: {
  detail: ExecutionDetail;
  definition?: Workflow;
  inlineBytes: number;
  base: string;
}) {
  const { detail, definition, inlineBytes } = input;
  const { execution } = detail;
  const nodes = new Map((definition?.nodes ?? []).map((node) => [node.id, node]));
  const base = `${input.base}/executions/${encodeURIComponent(execution.id)}`;
  const steps = [...detail.steps]
    .sort((a, b) => (a.startedAt ?? Infinity) - (b.startedAt ?? Infinity))
    .map((step) => {
      const node = nodes.get(step.nodeId);
      const { scope } = safeParse(step.key);
      const stepBase = `${base}/steps/${encodeURIComponent(step.key)}`;
      return {
        ...timing(step),
        ...(node ? { nodeName: node.name, nodeType: node.type } : {}),
        ...(scope.length > 0 ? { loop: scope } : {}),
        ...payload('input', step.input, `${stepBase}/input`, inlineBytes),
        ...payload('output', step.output, `${stepBase}/output`, inlineBytes),
      };
    });
  const { input: trigger, output, ...rest } = execution;
  return {
    execution: {
      ...rest,
      ...payload('input', trigger, `${base}/input`, inlineBytes),
      ...payload('output', output, `${base}/output`, inlineBytes),
    },
    steps,
    ...(execution.parentExecutionId === undefined
      ? {}
      : {
          parent: {
            executionId: execution.parentExecutionId,
            ...(execution.parentStepKey === undefined ? {} : { stepKey: execution.parentStepKey }),
          },
        }),
    children: detail.children.map(executionSummary),
  };
}

function timing(step: StepRecord) {
  const {
    input: _i,
    output: _o,
    state: _s,
    leaseOwner: _l,
    leaseExpiresAt: _e,
    executionId: _x,
    ...rest
  } = step;
  return rest;
}

function safeParse(key: string): { scope: { nodeId: string; index: number }[] } {
  try {
    return {
      scope: parseStepKey(key).scope.frames.map((f) => ({ nodeId: f.loopId, index: f.index })),
    };
  } catch {
    return { scope: [] };
  }
}

/** `{ [name]: value }` when small, `{ [name + 'Link']: { href, bytes } }` when large. */
function payload(
  name: 'input' | 'output',
  value: JsonValue | undefined,
  href: string,
  inlineBytes: number,
): Record<string, unknown> {
  if (value === undefined) return {};
  const text = JSON.stringify(value);
  if (text.length <= inlineBytes / 3) return { [name]: value };
  const bytes = Buffer.byteLength(text);
  return bytes <= inlineBytes ? { [name]: value } : { [`${name}Link`]: { href, bytes } };
}
