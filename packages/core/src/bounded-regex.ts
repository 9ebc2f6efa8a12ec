import safeRegex from 'safe-regex2';
import { FlowstateError } from './errors.js';

/**
 * Regular expressions from users (JSONata `/.../` literals, `data.filter`'s `matches` rule)
 * run on the event loop, where one catastrophic pattern such as `(a+)+$` would block the
 * whole process for minutes: a time limit cannot interrupt a single regex match. So:
 * - a pattern V8's linear-time engine can run (the `l` flag) runs there: its time grows
 *   linearly with the input, whatever the pattern;
 * - one it cannot (backreferences, lookaround, the `i` or `u` flags) runs on the usual
 *   backtracking engine only if it has no nested repetition (star height 1, the safe-regex
 *   check), the shape behind exponential backtracking;
 * - anything else is refused with `UNSAFE_PATTERN`, naming the pattern.
 */

let linear = false;

/**
 * Whether V8's linear engine is available: it is behind a V8 flag, which the engine switches
 * on in Node (`enableLinearRegExp`); elsewhere (a browser) every pattern takes the safe-regex
 * check.
 */
function linearAvailable(): boolean {
  if (linear) return true;
  try {
    // Throws "invalid flags" while the engine is off. (`flags` does not list `l` on
    // subclasses when the engine was switched on at run time, so it cannot tell.)
    new RegExp('a', 'l');
    linear = true;
  } catch {
    linear = false;
  }
  return linear;
}

const decisions = new Map<string, string | FlowstateError>();
const MAX_DECISIONS = 1000;

/** The flags to run `source` with (`l` added when possible), or the error refusing it. */
function decide(source: string, flags: string): string | FlowstateError {
  const key = `${flags}/${source}`;
  const known = decisions.get(key);
  if (known !== undefined) return known;
  let decision: string | FlowstateError;
  const canRunLinear = linearAvailable();
  if (flags.includes('l')) decision = flags;
  else {
    try {
      decision = canRunLinear ? (new RegExp(source, `${flags}l`), `${flags}l`) : flags;
    } catch {
      decision = flags;
    }
    if (decision === flags && !safeRegex(new RegExp(source, flags))) {
      decision = new FlowstateError(
        'UNSAFE_PATTERN',
        `The regular expression /${source}/${flags} can take exponential time on some inputs: it repeats a group that itself repeats, and uses ${canRunLinear ? 'a feature that needs backtracking (a backreference, lookaround, or the i or u flag)' : 'backtracking'}. Remove the nested repetition (for example (a+)+ -> a+)`,
      );
    }
  }
  if (decisions.size >= MAX_DECISIONS) decisions.clear();
  decisions.set(key, decision);
  return decision;
}

/**
 * A `RegExp` for a user's pattern that cannot block the process (see above); throws a
 * `FlowstateError` (`UNSAFE_PATTERN`) for a pattern that could, or a `SyntaxError` for one
 * that does not parse.
 */
export class BoundedRegExp extends RegExp {
  constructor(pattern: string | RegExp, flags?: string) {
    const source = typeof pattern === 'string' ? pattern : pattern.source;
    const given = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    // Throws a SyntaxError for a pattern that does not parse, before any decision.
    if (typeof pattern === 'string') new RegExp(source, given);
    const decision = decide(source, given);
    if (decision instanceof FlowstateError) throw decision;
    super(source, decision);
  }
}
