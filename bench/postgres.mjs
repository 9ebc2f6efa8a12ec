/**
 * `npm run bench -- --store postgres`: W1 and W2 on a fresh schema of a PostgreSQL database,
 * for each N of `--workers`, in two topologies (`--topology split,all`):
 * - `split`: one API process (`FLOWSTATE_ROLE=api`) and N worker processes (`flowstate worker`):
 *   the API commits each new execution, a worker claims and runs it, and the API reads the
 *   outcome when the worker's commit announces it (LISTEN/NOTIFY);
 * - `all`: N processes that each serve the API and run steps (`FLOWSTATE_ROLE=all`), as behind
 *   a load balancer: the load's connections are spread evenly over them, and each runs what it
 *   receives at once, in memory, committing in groups.
 * Then W3 (sleepers) on `--w3-workers` workers. Prints per run: req/s, p50,
 * p99, errors, RSS and CPU of every process, journaled steps/s, PostgreSQL commits/s, how the
 * store's connections spent the run (sampled from pg_stat_activity), and EXPLAIN (ANALYZE,
 * BUFFERS) of the claim query taken under load.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CLAIM_SQL } from '../packages/store-postgres/dist/step-leases.js';
import { cannon, cpuMs, log, percentile, root, rssMiB, spawnServer } from './lib.mjs';
import { publishWorkflows, w1, w2, w3, W1_BODY, W2_BODY } from './workflows.mjs';

/** Step rows, plus the steps of executions journaled compactly in their row. */
const COUNT_STEPS = `SELECT (SELECT count(*) FROM steps) + (SELECT coalesce(sum(c.value::bigint), 0)
  FROM executions e, json_each_text(e.steps_summary::json) c WHERE e.steps_summary IS NOT NULL)`;

const SECRET_KEY = randomBytes(32).toString('base64');
const CLI = join(root, 'packages/cli/bin/flowstate.js');

/** A fresh schema, the URL that selects it, and a pool on it for the benchmark's own reads. */
async function freshSchema(databaseUrl) {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => undefined);
  return {
    schema,
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

/**
 * On `db`: one API process with the workflows and `count` worker processes (`split`), or
 * `count` processes that each serve the API and run steps (`all`; the first loads the
 * workflows). `entries` are the processes that take HTTP load.
 */
async function startCluster(db, workflows, count, topology = 'split') {
  const dir = mkdtempSync(join(tmpdir(), 'flowstate-bench-pg-'));
  const workflowsDir = join(dir, 'workflows');
  mkdirSync(workflowsDir);
  for (const workflow of workflows) {
    writeFileSync(join(workflowsDir, `${workflow.id}.json`), JSON.stringify(workflow));
  }
  const env = {
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    FLOWSTATE_SECRET_KEY: SECRET_KEY,
    FLOWSTATE_DATA_DIR: join(dir, 'data'),
    FLOWSTATE_LOG_LEVEL: 'warn',
  };
  const cli = 'packages/cli/bin/flowstate.js';
  const processes = [];
  let api;
  const workers = [];
  if (topology === 'all') {
    for (let i = 0; i < count; i++) {
      const server = await spawnServer(cli, ['start'], {
        ...env,
        FLOWSTATE_ROLE: 'all',
        ...(i === 0 ? { FLOWSTATE_WORKFLOWS_DIR: workflowsDir } : {}),
      });
      api ??= server;
      workers.push(server);
      processes.push({ name: `all${i + 1}`, child: server.child });
    }
  } else {
    api = await spawnServer(cli, ['start'], {
      ...env,
      FLOWSTATE_ROLE: 'api',
      FLOWSTATE_WORKFLOWS_DIR: workflowsDir,
    });
    processes.push({ name: 'api', child: api.child });
    for (let i = 0; i < count; i++) {
      const worker = await spawnServer(cli, ['worker'], env);
      workers.push(worker);
      processes.push({ name: `worker${i + 1}`, child: worker.child });
    }
  }
  const entries = topology === 'all' ? workers : [api];
  return {
    api,
    entries,
    env,
    processes,
    async stop() {
      const all = topology === 'all' ? workers : [api, ...workers];
      await Promise.all(all.map((server) => server.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The owner and an editor API key, created with the CLI on the shared database. */
function createApiKey(env) {
  const cli = (...args) =>
    execFileSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'inherit'],
      input: 'bench owner password\n',
    });
  cli('users', 'create', '--email', 'bench@example.com', '--password-stdin');
  return cli(
    ...['api-keys', 'create', '--email', 'bench@example.com', '--name', 'bench'],
    ...['--role', 'editor'],
  ).trim();
}

async function scalar(pool, sql, params = []) {
  const { rows } = await pool.query(sql, params);
  return Number(Object.values(rows[0] ?? {})[0] ?? 0);
}

/** Committed transactions of the whole database (other users of it included). */
function commits(pool) {
  return scalar(
    pool,
    'SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()',
  );
}

/**
 * Samples what the store's connections are doing every 100 ms until stopped: counts of
 * `state / wait_event_type` over all samples (active on CPU, waiting for a lock, for WAL
 * fsync, idle in a transaction while Node works, idle in the pool).
 */
function sampleActivity(pool) {
  const counts = new Map();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const { rows } = await pool.query(
          `SELECT state, coalesce(wait_event_type || ':' || wait_event, 'cpu') AS wait
           FROM pg_stat_activity
           WHERE application_name LIKE 'flowstate-%' AND backend_type = 'client backend'
             AND pid <> pg_backend_pid() AND query NOT LIKE 'LISTEN%'`,
        );
        samples += 1;
        for (const row of rows) {
          const key = row.state === 'active' ? `active ${row.wait}` : row.state;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      } catch {
        // a sample lost: ignored
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([key, n]) => `${key} ${(n / Math.max(1, samples)).toFixed(1)}`)
      .join(', ');
  };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the claim query, rolled back (it is an UPDATE). */
async function explainClaim(pool) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const now = Date.now();
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${CLAIM_SQL}`, [
      now,
      200,
      'bench-explain',
      now + 30_000,
    ]);
    return rows.map((row) => row['QUERY PLAN']);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/**
 * autocannon against every URL at once, the connections spread evenly; req/s and counts are
 * summed, p50 and p99 are the worst of the instances.
 */
async function cannonAll(urls, body, seconds, connections) {
  const share = Math.max(1, Math.floor(connections / urls.length));
  const results = await Promise.all(urls.map((url) => cannon(url, body, seconds, share)));
  return {
    requests: { average: results.reduce((sum, r) => sum + r.requests.average, 0) },
    latency: {
      p50: Math.max(...results.map((r) => r.latency.p50)),
      p99: Math.max(...results.map((r) => r.latency.p99)),
    },
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

/** One measured W1 or W2 run against a cluster. */
async function load(cluster, db, options, name, path, body, explain) {
  const urls = cluster.entries.map((entry) => `${entry.url}${path}`);
  const url = urls[0];
  const check = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const sample = `${check.status} ${await check.text()}`;
  await cannonAll(urls, body, options.warmup, options.connections);
  const stepsBefore = await scalar(db.pool, COUNT_STEPS);
  const commitsBefore = await commits(db.pool);
  const cpuBefore = cluster.processes.map((p) => cpuMs(p.child.pid));
  const stopSampling = sampleActivity(db.pool);
  const started = performance.now();
  let plan;
  const planned = explain
    ? new Promise((resolve) => setTimeout(resolve, (options.duration * 1000) / 2)).then(
        async () => (plan = await explainClaim(db.pool)),
      )
    : Promise.resolve();
  const result = await cannonAll(urls, body, options.duration, options.connections);
  const elapsed = (performance.now() - started) / 1000;
  await planned;
  const activity = await stopSampling();
  const cpu = cluster.processes.map((p, i) => (cpuMs(p.child.pid) - cpuBefore[i]) / 10 / elapsed);
  const stepsAfter = await scalar(db.pool, COUNT_STEPS);
  const commitsAfter = await commits(db.pool);
  return {
    name,
    sample,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    processes: cluster.processes.map(
      (p, i) => `${p.name} ${rssMiB(p.child.pid)} MiB ${Math.round(cpu[i])}% CPU`,
    ),
    stepsPerSecond: Math.round((stepsAfter - stepsBefore) / elapsed),
    commitsPerSecond: Math.round((commitsAfter - commitsBefore) / elapsed),
    activity,
    plan,
  };
}

function printRow(r) {
  log(
    `${r.name.padEnd(22)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}  non-2xx ${r.non2xx}  journaled steps/s ${r.stepsPerSecond}  PG commits/s ${r.commitsPerSecond}`,
  );
  log(`    processes (RSS, CPU of one core): ${r.processes.join('; ')}`);
  log(`    store connections (mean count per sample): ${r.activity}`);
}

async function benchHttp(options) {
  const rows = [];
  const label = (topology, count) =>
    topology === 'all'
      ? `${count} process${count > 1 ? 'es' : ''} (all)`
      : `API + ${count} worker${count > 1 ? 's' : ''}`;
  for (const topology of options.topologies) {
    for (const count of options.workers) {
      const db = await freshSchema(options.databaseUrl);
      const cluster = await startCluster(db, [w1, w2], count, topology);
      try {
        for (const [key, path, body] of [
          ['w1', '/hooks/bench-w1', W1_BODY],
          ['w2', '/hooks/bench-w2', W2_BODY],
        ]) {
          if (!options.only.has(key)) continue;
          const explain =
            key === 'w2' && topology === 'split' && count === Math.max(...options.workers);
          const name = `${key.toUpperCase()} ${label(topology, count)}`;
          const row = await load(cluster, db, options, name, path, body, explain);
          rows.push({ key, count, topology, ...row });
          printRow(row);
        }
      } finally {
        await cluster.stop();
        await db.drop();
      }
    }
  }
  log();
  log(
    `HTTP load: autocannon, ${options.connections} connections, ${options.warmup} s warm-up then ${options.duration} s, POST the same JSON body, 127.0.0.1`,
  );
  log(
    'Store: PostgreSQL (synchronous_commit as the server has it), a fresh schema per run; a 2xx is sent after the commit. "API + N workers": one FLOWSTATE_ROLE=api process takes the load and N `flowstate worker` processes run the steps. "N processes (all)": N FLOWSTATE_ROLE=all processes share the load evenly (p50/p99: the worst of them)',
  );
  for (const key of ['w1', 'w2']) {
    for (const topology of options.topologies) {
      const mine = rows.filter((r) => r.key === key && r.topology === topology);
      if (mine.length === 0) continue;
      const base = mine[0].rps;
      log(
        `${key.toUpperCase()} scaling (${topology}): ${mine.map((r) => `${r.count} -> ${r.rps} req/s (x${(r.rps / Math.max(1, base)).toFixed(2)})`).join(', ')}; sample response ${mine[0].sample}`,
      );
    }
  }
  const planned = rows.find((r) => r.plan);
  if (planned) {
    log();
    log(`EXPLAIN (ANALYZE, BUFFERS) of the claim query during ${planned.name}:`);
    for (const line of planned.plan) log(`  ${line}`);
  }
}

/** W3: `sleepers` executions each waiting `sleepMs`, then one transform; wake-up lag. */
async function benchSleepers(options) {
  const db = await freshSchema(options.databaseUrl);
  const cluster = await startCluster(db, [w3(options.sleepMs)], options.w3Workers);
  try {
    const apiKey = createApiKey(cluster.env);
    const count = options.sleepers;
    const rss = () => cluster.processes.map((p) => `${p.name} ${rssMiB(p.child.pid)}`).join(', ');
    const rssBefore = rss();
    const started = performance.now();
    let next = 0;
    const startOne = async () => {
      while (next < count) {
        next += 1;
        const res = await fetch(`${cluster.api.url}/api/v1/workflows/bench-w3/run`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({ input: { n: next } }),
        });
        if (!res.ok) throw new Error(`start failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 20 }, startOne));
    const startSeconds = (performance.now() - started) / 1000;
    const rssStarted = rss();
    const deadline = Date.now() + options.sleepMs + 600_000;
    const done = () =>
      scalar(db.pool, "SELECT count(*) FROM executions WHERE status = 'succeeded'");
    while ((await done()) < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const finished = await done();
    const { rows } = await db.pool.query(
      `SELECT a.started_at - (n.started_at + $1::bigint) AS lag FROM steps a
       JOIN steps n ON n.execution_id = a.execution_id AND n.key = 'nap' WHERE a.key = 'after'`,
      [options.sleepMs],
    );
    const lags = rows.map((row) => Number(row.lag)).sort((x, y) => x - y);
    log();
    log(
      `W3 sleepers on PostgreSQL: ${count} executions each waiting ${options.sleepMs / 1000} s then one transform; 1 API + ${options.w3Workers} workers`,
    );
    log(
      `  started all in ${startSeconds.toFixed(1)} s (${Math.round(count / startSeconds)} starts/s over HTTP, 20 clients)`,
    );
    log(`  RSS MiB before: ${rssBefore}; after the starts: ${rssStarted}; at the end: ${rss()}`);
    log(
      `  finished ${finished}/${count}; wake-up lag p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms, max ${lags.at(-1)} ms`,
    );
  } finally {
    await cluster.stop();
    await db.drop();
  }
}

/**
 * The ceiling over W1 and W2 (journal-ceiling.mjs): N processes with no engine, each committing
 * the workload's execution per request in group commits, on a fresh schema.
 */
async function benchCeiling(options) {
  const { PostgresStore } = await import('../packages/store-postgres/dist/index.js');
  for (const count of options.workers) {
    const db = await freshSchema(options.databaseUrl);
    const store = await PostgresStore.connect({ connectionString: db.url });
    await publishWorkflows(store, [w1, w2]);
    await store.close();
    const servers = [];
    try {
      for (let i = 0; i < count; i++) {
        servers.push(
          await spawnServer('bench/journal-ceiling.mjs', [], {
            CEILING_STORE: 'postgres',
            CEILING_DATABASE_URL: db.url,
          }),
        );
      }
      const cluster = {
        entries: servers,
        processes: servers.map((server, i) => ({ name: `ceiling${i + 1}`, child: server.child })),
      };
      for (const [key, path, body] of [
        ['W1', '/hooks/bench-w1', W1_BODY],
        ['W2', '/hooks/bench-w2', W2_BODY],
      ]) {
        const name = `${key} ceiling, ${count} process${count > 1 ? 'es' : ''}`;
        printRow(await load(cluster, db, options, name, path, body, false));
      }
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
      await db.drop();
    }
  }
  log(
    '  ceiling: no engine; a bare Fastify handler commits through the PostgreSQL store the change the engine commits for the workload (group commit, one batch in flight per process, the 2xx after the commit)',
  );
}

/** Runs the PostgreSQL benchmarks selected by `options.only`. */
export async function benchPostgres(options) {
  if (options.only.has('w1') || options.only.has('w2')) await benchHttp(options);
  if (options.only.has('ceiling')) await benchCeiling(options);
  if (options.only.has('w3')) await benchSleepers(options);
}
