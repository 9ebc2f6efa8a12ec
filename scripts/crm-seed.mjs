#!/usr/bin/env node
/**
 * `npm run crm:seed -- --store sqlite|postgres [--contacts 100000] [--tasks 1000000]
 * [--data-dir ./.flowstate] [--database-url postgres://...]`: fills the CRM with synthetic
 * contacts (owners, pipeline stages, scores, notes), some deals, and tasks linked to contacts
 * (assignees, priorities, due dates around today, 70 % open), through the stores' bulk import
 * (no entity events). Deterministic: the same counts give the same rows. Needs `tsc -b` first.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const FIRST = [
  'Ann',
  'Bob',
  'Chen',
  'Dana',
  'Eve',
  'Finn',
  'Gus',
  'Hana',
  'Ivan',
  'Jade',
  'Kofi',
  'Lena',
  'Mara',
  'Nico',
  'Omar',
  'Pia',
  'Quinn',
  'Rosa',
  'Sam',
  'Tara',
  'Uma',
  'Vik',
  'Wen',
  'Xena',
  'Yuki',
  'Zoe',
];
const LAST = [
  'Lee',
  'Stone',
  'Garcia',
  'Okafor',
  'Novak',
  'Silva',
  'Khan',
  'Berg',
  'Rossi',
  'Tanaka',
  'Dubois',
  'Meyer',
  'Kowalski',
  'Haddad',
  'Ivanova',
  'Murphy',
  'Nguyen',
  'Patel',
  'Schmidt',
  'Walker',
];
const NETWORK_STAGES = [
  'new-lead',
  'relationship',
  'invited',
  'presented',
  'followed-up',
  'decision',
];
const NOTES = [
  'met at the trade fair',
  'wants the premium bundle',
  'asked for a callback next week',
  'referred by a customer',
  'interested in the team opportunity',
  null,
  null,
  null,
];
const TASKS = [
  'Call',
  'Email',
  'Send proposal to',
  'Follow up with',
  'Book a meeting with',
  'Invite',
];
/** Number of owners / assignees (`user-0` .. `user-49`). */
export const USERS = 50;
const DAY = 86_400_000;

/** A small deterministic PRNG (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];
const pad = (n, width) => String(n).padStart(width, '0');

/** The contact name of index `i` (the same as the seed writes). */
export function contactName(i) {
  const rnd = random(i * 7 + 1);
  return `${pick(rnd, FIRST)} ${pick(rnd, LAST)}`;
}

/**
 * Seeds `crm` (a `CrmStore`) with `contacts` contacts and `tasks` tasks in batches; `now` is
 * the time due dates are spread around. Calls `progress(type, done, total)` per batch.
 */
export async function seedCrm({
  crm,
  contacts,
  tasks,
  now = Date.now(),
  progress = () => {},
  batch = 100_000,
}) {
  for (let start = 0; start < contacts; start += batch) {
    const records = [];
    for (let i = start; i < Math.min(contacts, start + batch); i++) {
      const rnd = random(i * 7 + 1);
      const first = pick(rnd, FIRST);
      const last = pick(rnd, LAST);
      const inPipeline = rnd() < 0.3;
      const created = now - Math.floor(rnd() * 365 * DAY);
      records.push({
        id: `c-${pad(i, 7)}`,
        name: `${first} ${last}`,
        email: `${first}.${last}.${i}@example.com`.toLowerCase(),
        phone: rnd() < 0.6 ? `+1 555 ${pad(i % 10_000, 4)}` : null,
        companyId: null,
        ownerId: `user-${i % USERS}`,
        pipelineId: inPipeline ? 'network-marketing' : null,
        stage: inPipeline ? pick(rnd, NETWORK_STAGES) : null,
        stageChangedAt: created,
        score: Math.floor(rnd() * 101),
        source: pick(rnd, ['ads', 'referral', 'event', 'web']),
        notes: pick(rnd, NOTES),
        lastActivityAt: rnd() < 0.5 ? created + Math.floor(rnd() * 30 * DAY) : null,
        custom: {},
        createdAt: created,
        updatedAt: created,
      });
    }
    await crm.importRecords({ type: 'contact', records });
    progress('contacts', Math.min(contacts, start + batch), contacts);
  }
  const deals = Math.min(10_000, Math.floor(contacts / 10));
  const dealRecords = [];
  for (let i = 0; i < deals; i++) {
    const rnd = random(i * 13 + 5);
    const created = now - Math.floor(rnd() * 180 * DAY);
    dealRecords.push({
      id: `d-${pad(i, 6)}`,
      name: `Deal ${i}`,
      contactId: `c-${pad(Math.floor(rnd() * contacts), 7)}`,
      companyId: null,
      pipelineId: 'sales',
      stage: pick(rnd, ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost']),
      stageChangedAt: created,
      amount: Math.floor(rnd() * 50_000),
      currency: 'EUR',
      ownerId: `user-${i % USERS}`,
      closeDate: null,
      notes: null,
      custom: {},
      createdAt: created,
      updatedAt: created,
    });
  }
  if (deals > 0) await crm.importRecords({ type: 'deal', records: dealRecords });
  for (let start = 0; start < tasks; start += batch) {
    const records = [];
    for (let i = start; i < Math.min(tasks, start + batch); i++) {
      const rnd = random(i * 31 + 3);
      const contact = Math.floor(rnd() * contacts);
      const created = now - Math.floor(rnd() * 120 * DAY);
      const roll = rnd();
      const status = roll < 0.7 ? 'open' : roll < 0.95 ? 'done' : 'cancelled';
      records.push({
        id: `t-${pad(i, 8)}`,
        title: `${pick(rnd, TASKS)} ${contactName(contact)}`,
        dueAt: now + Math.floor((rnd() - 0.5) * 120 * DAY),
        priority: 1 + Math.floor(rnd() * 4),
        assigneeId: `user-${Math.floor(rnd() * USERS)}`,
        status,
        recordType: 'contact',
        recordId: `c-${pad(contact, 7)}`,
        notes: null,
        completedAt: status === 'done' ? created + DAY : null,
        custom: {},
        createdAt: created,
        updatedAt: created,
      });
    }
    await crm.importRecords({ type: 'task', records });
    progress('tasks', Math.min(tasks, start + batch), tasks);
  }
}

/**
 * A `CrmStore`-like bulk importer straight on an SQLite file, for seeding only: the tables'
 * indexes and full-text triggers are dropped while rows go in, then rebuilt once (sorting
 * beats a million random B-tree inserts). Call `finish()` to rebuild them.
 */
async function sqliteBulk(file) {
  const { default: Database } = await import('better-sqlite3');
  const { insertSql, recordToValues, TABLE_SPECS } = await import('@flowstate/crm');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const tables = Object.values(TABLE_SPECS).map((t) => t.table);
  const saved = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN (${tables.map(() => '?').join(', ')})`,
    )
    .all(...tables);
  for (const { type, name } of saved) db.exec(`DROP ${type.toUpperCase()} ${name}`);
  return {
    crm: {
      async importRecords({ type, records }) {
        const insert = db.prepare(insertSql(type));
        db.transaction(() => {
          for (const record of records) insert.run(...recordToValues(type, record));
        })();
      },
    },
    async close() {
      for (const { sql } of saved) db.exec(sql);
      for (const table of tables)
        db.exec(`INSERT INTO ${table}_fts (${table}_fts) VALUES ('rebuild')`);
      db.exec('ANALYZE');
      db.close();
    },
  };
}

/** Opens the store named by the options (migrated) and returns it (SQLite: the bulk importer). */
export async function openStore({ store, dataDir, databaseUrl, schema }) {
  if (store === 'postgres') {
    const { PostgresStore } = await import('@flowstate/store-postgres');
    return PostgresStore.connect({
      connectionString: databaseUrl,
      ...(schema ? { schema } : {}),
      poolSize: 4,
      applicationName: 'flowstate-crm-seed',
    });
  }
  const { SqliteStore, DATABASE_FILE } = await import('@flowstate/store-sqlite');
  const { join } = await import('node:path');
  // Migrated (and the default pipelines made on first use) by the store, then filled in bulk.
  await (await SqliteStore.open(dataDir, { synchronous: 'NORMAL' })).close();
  return sqliteBulk(join(dataDir, DATABASE_FILE));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'sqlite' },
      contacts: { type: 'string', default: '100000' },
      tasks: { type: 'string', default: '1000000' },
      'data-dir': { type: 'string', default: process.env.FLOWSTATE_DATA_DIR ?? './.flowstate' },
      'database-url': { type: 'string', default: process.env.DATABASE_URL },
      schema: { type: 'string' },
    },
  });
  if (values.store !== 'sqlite' && values.store !== 'postgres')
    throw new Error('--store must be sqlite or postgres');
  if (values.store === 'postgres' && !values['database-url'])
    throw new Error('--store postgres needs --database-url or DATABASE_URL');
  const store = await openStore({
    store: values.store,
    dataDir: values['data-dir'],
    databaseUrl: values['database-url'],
    schema: values.schema,
  });
  const started = Date.now();
  try {
    await seedCrm({
      crm: store.crm,
      contacts: Number(values.contacts),
      tasks: Number(values.tasks),
      progress: (type, done, total) =>
        process.stdout.write(
          `\r${type}: ${done}/${total} (${((Date.now() - started) / 1000).toFixed(0)} s)   ${done === total ? '\n' : ''}`,
        ),
    });
  } finally {
    await store.close();
  }
  console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
