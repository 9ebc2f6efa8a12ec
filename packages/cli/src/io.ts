/** Where a command writes and what it reads from its environment (injected so tests capture it). */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Working directory that relative paths resolve against. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Standard input, for `--password-stdin`. */
  stdin?: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
}

/** The real process streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    stdin: process.stdin,
  };
}

/** A user-facing CLI failure: printed without a stack trace, exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
