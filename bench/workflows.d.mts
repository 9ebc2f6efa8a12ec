/** Types of the benchmark workflows (workflows.mjs), for the TypeScript tests that reuse them. */

/** A workflow document as the benchmark writes it to a workflows folder. */
export interface BenchWorkflow {
  id: string;
  schemaVersion: 1;
  name: string;
  nodes: Array<Record<string, unknown>>;
  edges: Array<{ id: string; from: string; port?: string; to: string }>;
  [key: string]: unknown;
}

/** W1: transform, condition, two branches that join. */
export const w1: BenchWorkflow;
/** W2: ten sequential transforms, each `count = count + 1`. */
export const w2: BenchWorkflow;
/** W3: a manual start, a delay of `delayMs`, then one transform. */
export function w3(delayMs: number): BenchWorkflow;
/** The request bodies WORKLOADS.md posts for W1 and W2. */
export const W1_BODY: string;
export const W2_BODY: string;
/** Creates `workflows`, published and active, on a store. */
export function publishWorkflows(
  store: { createWorkflow(input: Record<string, unknown>): Promise<unknown> },
  workflows: readonly BenchWorkflow[],
): Promise<void>;
