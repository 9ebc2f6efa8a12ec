import type { JsonValue } from '@flowstate/core';
import { FINAL_EXECUTION_STATUSES, FINAL_STEP_STATUSES } from './store.js';
import type { ExecutionChange, StepRecord } from './store.js';

/**
 * The step journal of a compact execution (one that finished in its first commit), stored by
 * a store in one column of its row. Version 2 leaves out what the row already says and what repeats:
 * - `executionId` (the row's id);
 * - a payload that is the very same value as the execution's input or as an earlier step's
 *   input or output (a step's input is usually its predecessor's output, a trigger's output
 *   is the execution's input) is written as a reference: `"i": "$input"`, `"o": "<key>.o"`.
 * References are taken only between identical objects in memory, so decoding gives values
 * equal to the ones committed. Version 1 (a plain array of step records) is still read.
 */
interface CompactStepV2 extends Omit<StepRecord, 'executionId' | 'input' | 'output'> {
  input?: JsonValue;
  output?: JsonValue;
  /** Reference replacing `input`. */
  i?: string;
  /** Reference replacing `output`. */
  o?: string;
}

interface CompactJournalV2 {
  v: 2;
  steps: CompactStepV2[];
}

const EXECUTION_INPUT = '$input';

/** The compact journal of `steps` as JSON text. */
export function encodeCompactJournal(
  executionInput: unknown,
  steps: readonly StepRecord[],
): string {
  const seen = new Map<object, string>();
  if (typeof executionInput === 'object' && executionInput !== null) {
    seen.set(executionInput, EXECUTION_INPUT);
  }
  const reference = (value: unknown, name: string): string | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    const known = seen.get(value);
    if (known === undefined) seen.set(value, name);
    return known;
  };
  const compact: CompactStepV2[] = steps.map((step) => {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { executionId, input, output, ...rest } = step;
    const entry: CompactStepV2 = rest;
    if (input !== undefined) {
      const ref = reference(input, `${step.key}.i`);
      if (ref === undefined) entry.input = input;
      else entry.i = ref;
    }
    if (output !== undefined) {
      const ref = reference(output, `${step.key}.o`);
      if (ref === undefined) entry.output = output;
      else entry.o = ref;
    }
    return entry;
  });
  const journal: CompactJournalV2 = { v: 2, steps: compact };
  return JSON.stringify(journal);
}

/** The step records of a compact journal (version 1 or 2). */
export function decodeCompactJournal(
  executionId: string,
  executionInput: JsonValue | undefined,
  decoded: unknown,
): StepRecord[] {
  if (Array.isArray(decoded)) return decoded as StepRecord[];
  const journal = decoded as CompactJournalV2;
  const values = new Map<string, JsonValue | undefined>([[EXECUTION_INPUT, executionInput]]);
  const resolve = (ref: string): JsonValue | undefined => {
    if (!values.has(ref)) throw new Error(`Compact journal reference "${ref}" names no payload`);
    return values.get(ref);
  };
  return journal.steps.map((entry) => {
    const { i, o, input, output, ...rest } = entry;
    const step: StepRecord = { executionId, ...rest };
    const stepInput = i === undefined ? input : resolve(i);
    if (stepInput !== undefined) {
      step.input = stepInput;
      values.set(`${entry.key}.i`, stepInput);
    }
    // Resolved after the input: a step may output the very object it received.
    const stepOutput = o === undefined ? output : resolve(o);
    if (stepOutput !== undefined) {
      step.output = stepOutput;
      values.set(`${entry.key}.o`, stepOutput);
    }
    return step;
  });
}

/**
 * A change that creates an execution already finished, with every step final and nothing
 * to wait for: its steps will never be claimed or updated one by one, so a store may keep
 * them as a compact journal in the execution row (one row written instead of one per step).
 */
export function isCompactable(change: ExecutionChange): boolean {
  return (
    change.expectSeq === 'new' &&
    FINAL_EXECUTION_STATUSES.includes(change.execution.status) &&
    (change.addWaits?.length ?? 0) === 0 &&
    change.steps.every(
      (write) =>
        write.expectLeaseOwner === undefined && FINAL_STEP_STATUSES.includes(write.step.status),
    )
  );
}

/** Steps by status (the summary a store keeps beside a compact journal, for counts). */
export function countByStatus(steps: readonly StepRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const step of steps) counts[step.status] = (counts[step.status] ?? 0) + 1;
  return counts;
}
