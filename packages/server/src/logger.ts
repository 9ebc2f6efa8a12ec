import type { Redactor } from '@flowstate/engine';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/**
 * The server's pino logger (JSON lines). Every line passes through `redactor` just before it
 * is written, so a credential's secret that reached a log call anyhow (an error message that
 * echoes a request, a node's log data) is written as `[redacted]`. With no secret known the
 * check is one comparison per line.
 */
export function createLogger(options: {
  level: LogLevel;
  redactor: Redactor;
  destination?: DestinationStream;
}): Logger {
  const { redactor } = options;
  return pino(
    {
      level: options.level,
      hooks: {
        streamWrite: (line: string) => (redactor.size === 0 ? line : redactor.scrubText(line)),
      },
    },
    options.destination,
  );
}
