import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Workflow } from '../api/types';
import type { FieldProblem } from './properties-panel';

export interface Problem {
  path: string;
  message: string;
  code?: string;
}

export interface ValidationState {
  count: number;
  /** Problems inside nodes, by node id, with paths relative to the node. */
  byNode: Map<string, FieldProblem[]>;
  /** Sentences to show on each node. */
  nodeMessages: Map<string, string[]>;
  other: Problem[];
}

const EMPTY: ValidationState = { count: 0, byNode: new Map(), nodeMessages: new Map(), other: [] };

/**
 * Validates the document with the server (core's `validate`, with every node type's schema)
 * a moment after each change; problems come back with JSON pointers into the document.
 */
export function useValidation(doc: Workflow, enabled: boolean): ValidationState {
  const [state, setState] = useState<ValidationState>(EMPTY);
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      api<{ valid: boolean; problems: Problem[] }>('POST', '/workflows/validate', doc).then(
        (result) => {
          if (cancelled) return;
          const byNode = new Map<string, FieldProblem[]>();
          const nodeMessages = new Map<string, string[]>();
          const other: Problem[] = [];
          for (const problem of result.problems) {
            const match = /^\/nodes\/(\d+)(\/.*)?$/.exec(problem.path);
            const node = match ? doc.nodes[Number(match[1])] : undefined;
            if (!node) {
              other.push(problem);
              continue;
            }
            byNode.set(node.id, [
              ...(byNode.get(node.id) ?? []),
              { path: match?.[2] ?? '', message: problem.message },
            ]);
            nodeMessages.set(node.id, [...(nodeMessages.get(node.id) ?? []), problem.message]);
          }
          setState({ count: result.problems.length, byNode, nodeMessages, other });
        },
        () => undefined,
      );
    }, 300);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [doc, enabled]);
  return state;
}
