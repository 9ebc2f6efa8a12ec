import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import pg from 'pg';
import { sleep } from '../server-process.js';

const run = promisify(execFile);

/**
 * A local HTTP endpoint that can hold its responses: while closed, requests wait; `open()`
 * answers every held one and every later one at once. Counts requests per Idempotency-Key
 * (`executionId:stepKey`), so a step run twice shows as a count of 2.
 */
export interface Gate {
  url: string;
  /** Requests per Idempotency-Key. */
  keys: Map<string, number>;
  /** Requests waiting for `open()`. */
  readonly held: number;
  open(): void;
  close(): Promise<void>;
}

/** Starts a closed gate on 127.0.0.1; each answer echoes the request's JSON body as `{ echo }`. */
export async function gateServer(): Promise<Gate> {
  const keys = new Map<string, number>();
  let waiting: Array<() => void> | undefined = [];
  const server = createServer((req, res) => {
    const key = String(req.headers['idempotency-key']);
    keys.set(key, (keys.get(key) ?? 0) + 1);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = () => respond(res, body);
      if (waiting) waiting.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    get held() {
      return waiting?.length ?? 0;
    },
    open() {
      const answers = waiting ?? [];
      waiting = undefined;
      for (const answer of answers) answer();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function respond(res: ServerResponse, body: string): void {
  if (res.destroyed) return;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ echo: body === '' ? null : (JSON.parse(body) as unknown) }));
}

/**
 * Read-only queries on the test database that ride out a PostgreSQL restart: a query that
 * fails for a connection reason is retried until the server answers again (up to 60 s).
 */
export class JournalReader {
  readonly #pool: pg.Pool;

  constructor(connectionString: string) {
    this.#pool = new pg.Pool({ connectionString, max: 2 });
    // Idle connections closed by a restart: the next query opens a new one.
    this.#pool.on('error', () => undefined);
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        return (await this.#pool.query<T>(sql, params)).rows;
      } catch (error) {
        if (!isConnectionError(error) || Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }

  /** The first column of the first row, as a number (counts). */
  async count(sql: string, params: unknown[] = []): Promise<number> {
    const [row] = await this.query<Record<string, unknown>>(sql, params);
    return Number(Object.values(row ?? {})[0] ?? 0);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}

/** A failure of the connection (refused, reset, server shutting down), not of the query. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return /^(08|57P)/.test(code) || /^E[A-Z]+$/.test(code);
  return /Connection terminated|connection/i.test((error as Error | null)?.message ?? '');
}

/** True when the environment asks for the PostgreSQL restart (CI sets it; see .ci/run). */
export function postgresRestartEnabled(): boolean {
  return process.env.FLOWSTATE_TEST_PG_RESTART === '1';
}

/**
 * Restarts the local PostgreSQL cluster (Debian's `pg_ctlcluster`, fast shutdown: open
 * transactions are rolled back, clients disconnected) and waits until it accepts connections.
 * The server is shared with other tests on the machine: the restart is kept short.
 */
export async function restartPostgres(): Promise<void> {
  const versions = readdirSync('/etc/postgresql');
  if (versions.length === 0) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  await run('pg_ctlcluster', [
    '--skip-systemctl-redirect',
    versions[0]!,
    'main',
    'restart',
    '-m',
    'fast',
  ]);
  await waitForPostgres();
}

/** Waits until `pg_isready` reports that the local server accepts connections (up to 60 s). */
export async function waitForPostgres(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await run('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error('PostgreSQL did not come back', { cause: error });
      await sleep(200);
    }
  }
}

/** What `submitAll` needs. */
export interface SubmitOptions {
  /** `http://host:port/hooks/path` */
  url: string;
  /** Bodies are `{ ...body, n }` for n in [from, to). */
  from: number;
  to: number;
  body: Record<string, unknown>;
  concurrency: number;
  /** Whether an execution for `n` exists (asked after a failed call, before calling again). */
  exists: (n: number) => Promise<boolean>;
  /** Called after each accepted call with how many were accepted so far. */
  onAccepted?: (accepted: number) => void;
}

/**
 * POSTs one webhook call per n, `concurrency` at a time. A call that fails (connection error
 * or 5xx, e.g. while PostgreSQL restarts) is made again only if no execution for its n was
 * recorded meanwhile, so each n starts exactly one execution. Resolves with the retries made.
 */
export async function submitAll(options: SubmitOptions): Promise<{ retries: number }> {
  let next = options.from;
  let accepted = 0;
  let retries = 0;
  const one = async (n: number): Promise<void> => {
    for (;;) {
      try {
        const res = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...options.body, n }),
        });
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 202) return;
        if (res.status < 500) throw new Error(`webhook call ${n} answered ${res.status}`);
      } catch (error) {
        if ((error as Error).message.startsWith('webhook call')) throw error;
      }
      if (await options.exists(n)) return;
      retries += 1;
      await sleep(100);
    }
  };
  const client = async () => {
    while (next < options.to) {
      const n = next++;
      await one(n);
      accepted += 1;
      options.onAccepted?.(accepted);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return { retries };
}
