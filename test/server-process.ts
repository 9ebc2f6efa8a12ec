import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'packages/cli/bin/flowstate.js');

/** A Flowstate server run as a real child process on a data folder that outlives it. */
export class ServerProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'flowstate-proc-'));
  readonly dataDir = join(this.dir, 'data');
  readonly workflowsDir = join(this.dir, 'workflows');
  port = 0;
  child: ChildProcess | undefined;
  output = '';

  constructor(workflows: Array<Record<string, unknown> & { id: string }>) {
    mkdirSync(this.workflowsDir);
    for (const workflow of workflows)
      writeFileSync(join(this.workflowsDir, `${workflow.id}.json`), JSON.stringify(workflow));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the server (`flowstate start`, or `worker`) and waits until it answers /healthz. */
  async start(
    env: Record<string, string> = {},
    command: 'start' | 'worker' = 'start',
  ): Promise<void> {
    this.output = '';
    if (this.port === 0) this.port = await freePort();
    const child = spawn(process.execPath, [cli, command], {
      env: {
        ...inheritedEnv(),
        PORT: String(this.port),
        HOST: '127.0.0.1',
        FLOWSTATE_DATA_DIR: this.dataDir,
        FLOWSTATE_WORKFLOWS_DIR: this.workflowsDir,
        FLOWSTATE_LOG_LEVEL: 'warn',
        FLOWSTATE_WEBHOOK_TIMEOUT_MS: '200',
        FLOWSTATE_HTTP_ALLOW_HOSTS: '127.0.0.1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) return; // died at start (failpoint tests)
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`server did not start:\n${this.output}`);
  }

  /** Resolves when the process has exited (by itself or by a signal). */
  exited(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited();
  }

  /** Freezes the process (SIGSTOP): it holds its connections and leases but does nothing. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a paused process go on (SIGCONT). */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** The process's JSON log lines (pino) whose `msg` is `message`. */
  logLines(message: string): Array<Record<string, unknown>> {
    const lines: Array<Record<string, unknown>> = [];
    for (const line of this.output.split('\n')) {
      if (!line.startsWith('{') || !line.includes(message)) continue;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === message) lines.push(entry);
      } catch {
        // a line cut by the end of the output
      }
    }
    return lines;
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited();
  }

  /** Runs a read-only query on the journal (while the server runs or after). */
  query<T>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(join(this.dataDir, 'flowstate.db'), { readonly: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  async cleanup(): Promise<void> {
    await this.kill9();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A local HTTP server that counts requests per Idempotency-Key. */
export async function countingServer(): Promise<{
  url: string;
  keys: Map<string, number>;
  close(): Promise<void>;
}> {
  const keys = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const key = String(req.headers['idempotency-key']);
    keys.set(key, (keys.get(key) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, key }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    keys,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A TCP port nothing listens on now (asked from the OS, so parallel tests do not collide). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * This process's environment without `DATABASE_URL`: in a test run it names the test database
 * (see the README's Development section), not the store of a server under test, which uses PostgreSQL only when
 * the test passes a `DATABASE_URL` of its own.
 */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _testDatabase, ...env } = process.env;
  return env;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns true or the time runs out. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
