#!/usr/bin/env node
/**
 * `npm run bench`: workloads W1, W2 and W3 of shared/bench/WORKLOADS.md against a Flowstate
 * server started here on a fresh embedded SQLite store (WAL, synchronous=FULL, every step
 * journaled), and the same W1/W2 load against a bare Fastify handler for comparison.
 *
 * `ceiling` (journal-ceiling.mjs) is W1 and W2 with no engine: the most any durable engine
 * could reach on this machine and store.
 *
 * Options: --only w1,w2,ceiling,bare,w3   --duration 15   --warmup 5   --connections 10
 *          --sleepers 10000   --sleep-ms 60000
 *          --store postgres   --workers 1,2,4   --topology split,all   --w3-workers 2
 *          --database-url postgres://...
 * With `--store postgres`, for each N: one API process and N worker processes (`split`), and
 * N processes that each serve the API and run steps (`all`), on a fresh schema of the
 * database (see postgres.mjs).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { cannon as cannonAt, cpuMs, log, percentile, root, rssMiB, spawnServer } from './lib.mjs';
import { benchPostgres } from './postgres.mjs';
import { w1, w2, w3, W1_BODY, W2_BODY } from './workflows.mjs';
const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'w1,w2,ceiling,bare,w3' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    sleepers: { type: 'string', default: '10000' },
    'sleep-ms': { type: 'string', default: '60000' },
    synchronous: { type: 'string', default: 'FULL' },
    store: { type: 'string', default: 'sqlite' },
    workers: { type: 'string', default: '1,2,4' },
    topology: { type: 'string', default: 'split,all' },
    'w3-workers': { type: 'string', default: '2' },
    'database-url': {
      type: 'string',
      default: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
});
const only = new Set(args.only.split(','));
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);

/**
 * Creates the owner and an editor API key on a stopped data folder, as an operator would
 * (`flowstate users create`, `flowstate api-keys create`); returns the key.
 */
function createApiKey(dataDir) {
  const cli = (...args) =>
    execFileSync(process.execPath, [join(root, 'packages/cli/bin/flowstate.js'), ...args], {
      env: { ...process.env, FLOWSTATE_DATA_DIR: dataDir },
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'inherit'],
      input: 'bench owner password\n',
    });
  cli('users', 'create', '--email', 'bench@example.com', '--password-stdin');
  return cli(
    'api-keys',
    'create',
    '--email',
    'bench@example.com',
    '--name',
    'bench',
    '--role',
    'editor',
  ).trim();
}

/** Starts `flowstate start` on a fresh data folder with the benchmark workflows. */
async function startFlowstate(workflows) {
  const dir = mkdtempSync(join(tmpdir(), 'flowstate-bench-'));
  const workflowsDir = join(dir, 'workflows');
  mkdirSync(workflowsDir);
  for (const workflow of workflows) {
    writeFileSync(join(workflowsDir, `${workflow.id}.json`), JSON.stringify(workflow));
  }
  const apiKey = createApiKey(join(dir, 'data'));
  const server = await spawnServer('packages/cli/bin/flowstate.js', ['start'], {
    HOST: '127.0.0.1',
    FLOWSTATE_DATA_DIR: join(dir, 'data'),
    FLOWSTATE_WORKFLOWS_DIR: workflowsDir,
    FLOWSTATE_LOG_LEVEL: 'warn',
    FLOWSTATE_SQLITE_SYNCHRONOUS: args.synchronous,
  });
  return {
    ...server,
    apiKey,
    dbFile: join(dir, 'data', 'flowstate.db'),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The ceiling over W1 and W2 (journal-ceiling.mjs) on a fresh SQLite data folder. */
async function startCeiling() {
  const dir = mkdtempSync(join(tmpdir(), 'flowstate-bench-ceiling-'));
  const server = await spawnServer('bench/journal-ceiling.mjs', [], {
    CEILING_STORE: 'sqlite',
    CEILING_DATA_DIR: join(dir, 'data'),
  });
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function startBare() {
  return spawnServer('bench/bare-fastify.mjs', [], {});
}

function cannon(url, body, seconds) {
  return cannonAt(url, body, seconds, connections);
}

function countSteps(dbFile) {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    // Step rows, plus the steps of executions journaled compactly in one row.
    const rows = db.prepare('SELECT count(*) AS n FROM steps').get().n;
    const compact = db
      .prepare(
        `SELECT coalesce(sum((SELECT sum(value) FROM json_each(steps_summary))), 0) AS n
         FROM executions WHERE steps_summary IS NOT NULL`,
      )
      .get().n;
    return rows + compact;
  } finally {
    db.close();
  }
}

/** Warm-up, then the measured run; returns the figures WORKLOADS.md asks for. */
async function load(name, server, path, body, options = {}) {
  const url = `${server.url}${path}`;
  const check = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const sample = await check.text();
  await cannon(url, body, warmup);
  const stepsBefore = options.dbFile ? countSteps(options.dbFile) : 0;
  const cpuBefore = cpuMs(server.child.pid);
  const started = performance.now();
  const result = await cannon(url, body, duration);
  const cpuUsed = cpuMs(server.child.pid) - cpuBefore;
  const elapsed = (performance.now() - started) / 1000;
  const stepsAfter = options.dbFile ? countSteps(options.dbFile) : 0;
  return {
    name,
    status: check.status,
    sample,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    rss: rssMiB(server.child.pid),
    cpuPerRequestUs: Math.round((cpuUsed * 1000) / Math.max(1, result.requests.total)),
    stepsPerSecond: options.dbFile ? Math.round((stepsAfter - stepsBefore) / elapsed) : undefined,
  };
}

function printRow(r, baseline) {
  const share = baseline ? ` (${Math.round((r.rps / baseline.rps) * 100)}% of bare Fastify)` : '';
  log(
    `${r.name.padEnd(28)} ${String(r.rps).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}  non-2xx ${r.non2xx}  RSS ${r.rss} MiB` +
      `  server CPU ${r.cpuPerRequestUs} us/request` +
      (r.stepsPerSecond === undefined ? '' : `  journaled steps/s ${r.stepsPerSecond}`) +
      share,
  );
}

async function benchHttp() {
  const rows = {};
  if (only.has('w1') || only.has('w2')) {
    const server = await startFlowstate([w1, w2]);
    try {
      if (only.has('w1'))
        rows.w1 = await load('Flowstate W1', server, '/hooks/bench-w1', W1_BODY, {
          dbFile: server.dbFile,
        });
      if (only.has('w2'))
        rows.w2 = await load('Flowstate W2', server, '/hooks/bench-w2', W2_BODY, {
          dbFile: server.dbFile,
        });
    } finally {
      await server.stop();
    }
  }
  if (only.has('ceiling')) {
    const ceiling = await startCeiling();
    try {
      rows.ceilingW1 = await load('W1 ceiling (no engine)', ceiling, '/hooks/bench-w1', W1_BODY);
      rows.ceilingW2 = await load('W2 ceiling (no engine)', ceiling, '/hooks/bench-w2', W2_BODY);
    } finally {
      await ceiling.stop();
    }
  }
  if (only.has('bare')) {
    const bare = await startBare();
    try {
      rows.bareW1 = await load('bare Fastify W1 (no storage)', bare, '/hooks/bench-w1', W1_BODY);
      rows.bareW2 = await load('bare Fastify W2 (no storage)', bare, '/hooks/bench-w2', W2_BODY);
    } finally {
      await bare.stop();
    }
  }
  log();
  log(
    `HTTP load: autocannon, ${connections} connections, ${warmup} s warm-up then ${duration} s, POST the same JSON body, 127.0.0.1`,
  );
  log(
    `Store: embedded SQLite, WAL, synchronous=${args.synchronous}, every step journaled; a 2xx is sent after the commit`,
  );
  if (rows.w1) log(`W1 sample response: ${rows.w1.status} ${rows.w1.sample}`);
  if (rows.w2) log(`W2 sample response: ${rows.w2.status} ${rows.w2.sample}`);
  const baselines = {
    w1: rows.bareW1,
    ceilingW1: rows.bareW1,
    w2: rows.bareW2,
    ceilingW2: rows.bareW2,
  };
  for (const key of ['w1', 'ceilingW1', 'bareW1', 'w2', 'ceilingW2', 'bareW2']) {
    if (rows[key]) printRow(rows[key], baselines[key]);
  }
  if (rows.ceilingW1) {
    log(
      '  ceiling: no engine; a bare Fastify handler commits through the SQLite store the change the engine commits for the workload (group commit, one batch in flight, the 2xx after the fsync)',
    );
    for (const key of ['w1', 'w2']) {
      const ceiling = rows[`ceiling${key.toUpperCase()}`];
      if (rows[key] && ceiling)
        log(
          `  Flowstate ${key.toUpperCase()} is ${Math.round((rows[key].rps / ceiling.rps) * 100)}% of its ceiling`,
        );
    }
  }
}

async function benchSleepers() {
  const count = Number(args.sleepers);
  const sleepMs = Number(args['sleep-ms']);
  const server = await startFlowstate([w3(sleepMs)]);
  try {
    const rssBefore = rssMiB(server.child.pid);
    const started = performance.now();
    let next = 0;
    const rssDuringStart = [];
    const startOne = async () => {
      while (next < count) {
        next += 1;
        if (next % Math.ceil(count / 10) === 0)
          rssDuringStart.push(`${next}: ${rssMiB(server.child.pid)}`);
        const res = await fetch(`${server.url}/api/v1/workflows/bench-w3/run`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${server.apiKey}`,
          },
          body: JSON.stringify({ input: { n: next } }),
        });
        if (!res.ok) throw new Error(`start failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 20 }, startOne));
    const startSeconds = (performance.now() - started) / 1000;
    const rssSleeping = [];
    const db = new Database(server.dbFile, { readonly: true });
    const done = db.prepare("SELECT count(*) AS n FROM executions WHERE status = 'succeeded'");
    const deadline = Date.now() + sleepMs + 120_000;
    while (done.get().n < count && Date.now() < deadline) {
      rssSleeping.push(rssMiB(server.child.pid));
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const finished = done.get().n;
    const rows = db
      .prepare(
        `SELECT a.started_at - (n.started_at + ?) AS lag FROM steps a
         JOIN steps n ON n.execution_id = a.execution_id AND n.key = 'nap' WHERE a.key = 'after'`,
      )
      .all(sleepMs)
      .map((row) => row.lag)
      .sort((x, y) => x - y);
    db.close();
    log();
    log(
      `W3 sleepers: ${count} executions each waiting ${sleepMs / 1000} s then one transform (embedded SQLite, synchronous=${args.synchronous})`,
    );
    log(
      `  started all in ${startSeconds.toFixed(1)} s (${Math.round(count / startSeconds)} starts/s over HTTP, 20 clients)`,
    );
    log(
      `  server RSS: ${rssBefore} MiB before; while starting (started: MiB) ${rssDuringStart.join(', ')}`,
    );
    log(
      `  server RSS from the last start to the last wake-up: ${Math.min(...rssSleeping)}-${Math.max(...rssSleeping)} MiB`,
    );
    log(
      `  finished ${finished}/${count}; wake-up lag p50 ${percentile(rows, 50)} ms, p99 ${percentile(rows, 99)} ms, max ${rows.at(-1)} ms`,
    );
  } finally {
    await server.stop();
  }
}

log(
  `Flowstate benchmark — ${new Date().toISOString()} — ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
if (args.store === 'postgres') {
  await benchPostgres({
    only,
    duration,
    warmup,
    connections,
    databaseUrl: args['database-url'],
    workers: args.workers.split(',').map(Number),
    topologies: args.topology.split(','),
    w3Workers: Number(args['w3-workers']),
    sleepers: Number(args.sleepers),
    sleepMs: Number(args['sleep-ms']),
  });
} else if (args.store === 'sqlite') {
  if (['w1', 'w2', 'bare', 'ceiling'].some((key) => only.has(key))) await benchHttp();
  if (only.has('w3')) await benchSleepers();
} else {
  throw new Error(`--store must be sqlite or postgres, got "${args.store}"`);
}
