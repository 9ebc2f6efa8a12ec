/**
 * Step keys name a step inside an execution: the node id at top level, and
 * `loopId[index]/nodeId` inside an iteration of a loop container (nested loops chain).
 */

/** One enclosing loop iteration of a step. */
export interface ScopeFrame {
  loopId: string;
  index: number;
}

/** The scope a step runs in: enclosing loop iterations, outermost first. */
export interface Scope {
  frames: readonly ScopeFrame[];
  /** Key prefix of steps in this scope ('' at top level). */
  prefix: string;
}

export const ROOT_SCOPE: Scope = { frames: [], prefix: '' };

/** The scope of one iteration of the loop step `loopKey` (a key in `parent`). */
export function iterationScope(parent: Scope, loopId: string, index: number): Scope {
  return {
    frames: [...parent.frames, { loopId, index }],
    prefix: `${parent.prefix}${loopId}[${index}]/`,
  };
}

export function stepKey(scope: Scope, nodeId: string): string {
  return scope.prefix + nodeId;
}

const FRAME = /^(.+?)\[(\d+)\]$/;

/** Splits a step key into its scope and node id. */
export function parseStepKey(key: string): { scope: Scope; nodeId: string } {
  if (!key.includes('/')) return { scope: ROOT_SCOPE, nodeId: key };
  const parts = key.split('/');
  const nodeId = parts.pop() ?? key;
  let scope = ROOT_SCOPE;
  for (const part of parts) {
    const match = FRAME.exec(part);
    if (!match) throw new Error(`Malformed step key "${key}"`);
    scope = iterationScope(scope, match[1]!, Number(match[2]));
  }
  return { scope, nodeId };
}

/** The key of the loop step that owns the innermost frame of `scope`. */
export function containerStepKey(scope: Scope): string | undefined {
  const last = scope.frames.at(-1);
  if (!last) return undefined;
  const outerPrefix = scope.prefix.slice(
    0,
    scope.prefix.length - `${last.loopId}[${last.index}]/`.length,
  );
  return outerPrefix + last.loopId;
}

/** The scope enclosing `scope` (one frame fewer). */
export function parentScope(scope: Scope): Scope {
  const last = scope.frames.at(-1);
  if (!last) return ROOT_SCOPE;
  return {
    frames: scope.frames.slice(0, -1),
    prefix: scope.prefix.slice(0, scope.prefix.length - `${last.loopId}[${last.index}]/`.length),
  };
}
