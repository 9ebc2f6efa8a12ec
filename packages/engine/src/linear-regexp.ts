import { setFlagsFromString } from 'node:v8';

/**
 * Switches on V8's linear-time regular expression engine (the `l` flag), which
 * `BoundedRegExp` (@flowstate/core) runs users' patterns on, so that no pattern can block
 * the process with catastrophic backtracking. Idempotent; a V8 without the engine ignores it.
 */
export function enableLinearRegExp(): void {
  try {
    setFlagsFromString('--enable-experimental-regexp-engine');
  } catch {
    // Patterns then take BoundedRegExp's safe-regex check alone.
  }
}

enableLinearRegExp();
