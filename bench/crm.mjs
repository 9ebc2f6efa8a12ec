#!/usr/bin/env node
/**
 * `npm run bench:crm -- --store sqlite|postgres [--contacts 100000] [--tasks 1000000]
 * [--requests 200] [--keep]`: seeds the CRM (scripts/crm-seed.mjs) into a fresh SQLite data
 * folder or PostgreSQL schema (`DATABASE_URL`, default the local test database), starts a real
 * server process on it, and measures p50 / p95 / max latency of the list, filter, sort and
 * search endpoints over HTTP, one request at a time (keep-alive), after a warm-up. Each
 * request varies its owner, search word or page so caches do not serve the same answer.
 * With `--keep` the seeded data is reused on the next run (same counts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { contactName, openStore, seedCrm, USERS } from '../scripts/crm-seed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    contacts: { type: 'string', default: '100000' },
    tasks: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '200' },
    keep: { type: 'boolean', default: false },
  },
});
const contacts = Number(args.contacts);
const tasks = Number(args.tasks);
const requests = Number(args.requests);
const store = args.store;
if (store !== 'sqlite' && store !== 'postgres')
  throw new Error('--store must be sqlite or postgres');

const base = join(tmpdir(), `flowstate-crm-bench-${store}-${contacts}-${tasks}`);
const dataDir = join(base, 'data');
const schema = `crm_bench_${contacts}_${tasks}`;
const pgUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const marker = join(base, 'seeded.json');

async function seed() {
  if (args.keep && existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8')).now;
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  if (store === 'postgres') {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
  const opened = await openStore({ store, dataDir, databaseUrl: pgUrl, schema });
  const now = Date.now();
  const started = performance.now();
  try {
    await seedCrm({
      crm: opened.crm,
      contacts,
      tasks,
      now,
      progress: (type, done, total) =>
        process.stdout.write(`\rseeding ${type}: ${done}/${total}   ${done === total ? '\n' : ''}`),
    });
    if (store === 'postgres') {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`ANALYZE ${schema}.crm_tasks; ANALYZE ${schema}.crm_contacts;`);
      await client.end();
    }
  } finally {
    await opened.close();
  }
  console.log(
    `seeded ${contacts} contacts and ${tasks} tasks in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  writeFileSync(marker, JSON.stringify({ now }));
  return now;
}

function startServer() {
  const port = 4900 + Math.floor(Math.random() * 90);
  const url = new URL(pgUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const child = spawn(process.execPath, [join(root, 'packages/cli/bin/flowstate.js'), 'start'], {
    env: {
      ...process.env,
      PORT: String(port),
      FLOWSTATE_DATA_DIR: dataDir,
      FLOWSTATE_LOG_LEVEL: 'warn',
      FLOWSTATE_SECRET_KEY: Buffer.alloc(32, 3).toString('base64'),
      ...(store === 'postgres' ? { DATABASE_URL: url.toString() } : { DATABASE_URL: '' }),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return { child, origin: `http://127.0.0.1:${port}` };
}

async function waitReady(origin) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${origin}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server did not become ready');
}

/** Signs in (setting up the owner on a fresh store) and returns the session cookie. */
async function signIn(origin) {
  const owner = { email: 'bench@example.com', password: 'bench password 123' };
  let res = await fetch(`${origin}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(owner),
  });
  if (res.status === 409) {
    res = await fetch(`${origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(owner),
    });
  }
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(origin, cookie, name, makeUrl) {
  const times = [];
  let last;
  for (let i = 0; i < requests + 20; i++) {
    const url = makeUrl(i, last);
    const t0 = performance.now();
    const res = await fetch(`${origin}/api/v1${url}`, { headers: { cookie } });
    const body = await res.json();
    const ms = performance.now() - t0;
    if (!res.ok)
      throw new Error(`${name}: ${url} -> ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    last = body;
    if (i >= 20) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return {
    name,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    max: times[times.length - 1],
    rows: last.items.length,
  };
}

const now = await seed();
const { child, origin } = startServer();
try {
  await waitReady(origin);
  const cookie = await signIn(origin);
  const user = (i) => `user-${(i * 7) % USERS}`;
  const words = (i) =>
    contactName((i * 7919) % contacts)
      .split(' ')[1]
      .slice(0, 3 + (i % 3));
  const results = [];
  results.push(
    await measure(origin, cookie, 'list tasks (newest first)', () => '/crm/tasks?limit=50'),
  );
  results.push(
    await measure(origin, cookie, 'list tasks, next pages (cursor)', (i, last) =>
      i % 10 === 0 || !last?.nextCursor
        ? '/crm/tasks?limit=50'
        : `/crm/tasks?limit=50&cursor=${last.nextCursor}`,
    ),
  );
  results.push(
    await measure(
      origin,
      cookie,
      'filter: my open tasks by due date',
      (i) => `/crm/tasks?assigneeId=${user(i)}&status=open&sort=dueAt&limit=50`,
    ),
  );
  results.push(
    await measure(
      origin,
      cookie,
      'filter: overdue open tasks',
      (i) => `/crm/tasks?status=open&dueAt=lt:${now - (i % 30) * 86_400_000}&sort=dueAt&limit=50`,
    ),
  );
  results.push(
    await measure(
      origin,
      cookie,
      'filter: contacts by owner, top score',
      (i) => `/crm/contacts?ownerId=${user(i)}&sort=-score&limit=50`,
    ),
  );
  results.push(
    await measure(
      origin,
      cookie,
      'sort: tasks by priority',
      (i) => `/crm/tasks?sort=${i % 2 ? '-' : ''}priority&limit=50`,
    ),
  );
  results.push(
    await measure(
      origin,
      cookie,
      'sort: contacts by name',
      (i) => `/crm/contacts?sort=${i % 2 ? '-' : ''}name&limit=50`,
    ),
  );
  results.push(
    await measure(
      origin,
      cookie,
      'search contacts (word prefix)',
      (i) => `/crm/search?q=${encodeURIComponent(words(i))}&types=contact&limit=20`,
    ),
  );
  results.push(
    await measure(
      origin,
      cookie,
      'search all types',
      (i) => `/crm/search?q=${encodeURIComponent(words(i))}&limit=20`,
    ),
  );
  console.log(
    `\nCRM endpoints on ${store}, ${contacts} contacts, ${tasks} tasks, ${requests} sequential requests each over HTTP (ms):`,
  );
  console.log('| endpoint | p50 | p95 | max | rows |\n|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} | ${r.rows} |`,
    );
  console.log(JSON.stringify({ bench: 'crm', store, contacts, tasks, requests, results }));
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  if (!args.keep) rmSync(base, { recursive: true, force: true });
}
