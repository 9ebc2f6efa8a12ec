import type { EngineOptions, FailpointName } from '@flowstate/engine';

const NAMES: readonly FailpointName[] = ['after-side-effect-before-record', 'after-commit'];

/**
 * Crash-safety tests set `FLOWSTATE_TEST_FAILPOINT=<failpoint>:<step key>` to make this
 * process kill itself (SIGKILL, like a power cut) when the engine reaches that point for that
 * step. Unset, it costs nothing. An unknown failpoint name is a startup error.
 */
export function failpointFromEnv(value: string | undefined): EngineOptions['failpoint'] {
  if (!value) return undefined;
  const separator = value.indexOf(':');
  const name = value.slice(0, separator) as FailpointName;
  const stepKey = value.slice(separator + 1);
  if (separator < 0 || !NAMES.includes(name) || !stepKey) {
    throw new Error(
      `FLOWSTATE_TEST_FAILPOINT must be "<${NAMES.join('|')}>:<step key>", got "${value}"`,
    );
  }
  return (reached, info) => {
    if (reached === name && info.stepKey === stepKey) process.kill(process.pid, 'SIGKILL');
  };
}
