import { resolve } from 'node:path';
import { FlowstateError } from '@flowstate/core';
import { AuditLog, loadDotEnv } from '@flowstate/server';
import { importIntoPostgres, inspectImportTarget, PostgresStore } from '@flowstate/store-postgres';
import {
  PORTABLE_TABLES,
  SqliteExport,
  type ExportNotes,
  type PortableCounts,
} from '@flowstate/store-sqlite';
import { cliActor } from '../data-dir.js';
import { CliError, type CliIo } from '../io.js';
import { planKeys } from './migrate-keys.js';

/** Options of `flowstate migrate`. */
export interface MigrateOptions {
  /** `postgres://` URL of the target (`--to`). */
  to?: string;
  /** Data folder to read (`--from`); default `FLOWSTATE_DATA_DIR` or `./.flowstate`. */
  from?: string;
  /** Print the counts and checks, write nothing (`--dry-run`). */
  dryRun?: boolean;
  /** Time the copied leases expire at (tests); default now. */
  now?: number;
}

/** What each kind is called in the printed counts. */
const LABELS: Record<keyof PortableCounts, string> = {
  workflows: 'workflows',
  workflow_versions: 'workflow versions',
  executions: 'executions',
  steps: 'steps (journal)',
  waits: 'event and approval waits',
  schedules: 'schedules',
  settings: 'settings',
  users: 'users',
  sessions: 'sessions',
  api_keys: 'API keys',
  credentials: 'credentials',
  audit_log: 'audit log entries',
  idempotency_keys: 'idempotency records',
  webhook_deliveries: 'webhook delivery records',
  notifications: 'notifications',
  crm_pipelines: 'CRM pipelines',
  crm_field_definitions: 'CRM custom fields',
  crm_contacts: 'CRM contacts',
  crm_companies: 'CRM companies',
  crm_deals: 'CRM deals',
  crm_tasks: 'CRM tasks',
  crm_activities: 'CRM activities',
  crm_events: 'CRM entity events',
  crm_execution_links: 'CRM execution links',
  crm_counters: 'CRM counters',
  blobs: 'blobs (large payloads)',
};

const USAGE = 'Usage: flowstate migrate --to postgres://USER@HOST:PORT/DB [--from DIR] [--dry-run]';

/**
 * `flowstate migrate --to postgres://…`: copies everything a stopped embedded server stored in
 * its data folder into an empty PostgreSQL database, in one transaction. Refuses while a server
 * holds the folder, when the target already holds Flowstate data, and when a credential's key
 * cannot be found. Prints the rows copied per kind and the `FLOWSTATE_SECRET_KEY` the
 * PostgreSQL servers need. `--dry-run` prints the counts and checks the target, writing nothing.
 * Exit 0 on success, 1 on a refusal or failure, 2 on a usage error.
 */
export async function migrateCommand(
  args: readonly string[],
  options: MigrateOptions,
  io: CliIo,
): Promise<number> {
  if (args.length > 0) throw new CliError(USAGE, 2);
  const to = options.to?.trim();
  if (to === undefined || to === '') throw new CliError(`--to is required. ${USAGE}`, 2);
  if (!/^postgres(ql)?:\/\//.test(to)) {
    throw new CliError(`--to must be a postgres:// or postgresql:// URL. ${USAGE}`, 2);
  }
  loadDotEnv(io.cwd);
  const configured = io.env['FLOWSTATE_DATA_DIR']?.trim();
  const dataDir = resolve(io.cwd, options.from ?? (configured || './.flowstate'));
  const source = openSource(dataDir);
  try {
    const counts = source.counts();
    const unfinished = {
      executions: source.unfinishedExecutions(),
      events: source.undispatchedEvents(),
    };
    const keys = planKeys({
      dataDir: source.dir,
      env: io.env,
      credentialKeys: source.credentialKeys(),
    });
    if (options.dryRun === true) {
      const target = await inspectImportTarget({ connectionString: to });
      io.stdout.write(`Dry run: would copy from ${source.dir}\n`);
      writeCounts(io, counts, unfinished);
      const occupied = Object.entries(target.occupied);
      if (occupied.length > 0) {
        io.stderr.write(
          `The target already holds Flowstate data (${occupied.map(([t, n]) => `${t}: ${n}`).join(', ')}); migrate would refuse it.\n`,
        );
        return 1;
      }
      io.stdout.write('The target is reachable and empty.\n');
      for (const line of keys.lines) io.stdout.write(`${line}\n`);
      return 0;
    }
    const notes: ExportNotes = { missingBlobs: [], expiredLeases: 0 };
    const imported = await importIntoPostgres(
      { connectionString: to },
      source.batches(options.now ?? Date.now(), notes),
      (rows) => {
        const differing = PORTABLE_TABLES.filter((table) => rows[table] !== counts[table]);
        if (differing.length > 0) {
          throw new FlowstateError(
            'MIGRATE_COUNT_MISMATCH',
            `Rows read differ from the rows counted (${differing.map((t) => `${t}: ${rows[t]} of ${counts[t]}`).join(', ')}); nothing was written`,
          );
        }
      },
    );
    await recordMigration(io, to, { from: source.dir, ...imported });
    io.stdout.write(`Copied ${source.dir} into PostgreSQL (one transaction):\n`);
    writeCounts(io, { ...counts, blobs: imported['blobs'] ?? 0 }, unfinished);
    if (notes.expiredLeases > 0) {
      io.stdout.write(
        `${notes.expiredLeases} unfinished step(s) lost their lease: the first worker to start claims them (node code runs at least once).\n`,
      );
    }
    if (notes.missingBlobs.length > 0) {
      io.stderr.write(
        `Warning: ${notes.missingBlobs.length} payload(s) referenced blobs missing from the source (${notes.missingBlobs.slice(0, 5).join(', ')}); copied as references, reading them reports STORE_BLOB_MISSING as before.\n`,
      );
    }
    for (const line of keys.lines) io.stdout.write(`${line}\n`);
    if (io.env['FLOWSTATE_SECRET_KEY'] === undefined && unfinished.executions > 0) {
      io.stdout.write(
        "Approval links sent by a server without FLOWSTATE_SECRET_KEY were signed with the data folder's approval-links.key and do not verify on PostgreSQL: decide those approvals in the app or through the API.\n",
      );
    }
    io.stdout.write(
      `Next: start the servers with DATABASE_URL set to the target, then check with "flowstate audit verify".\n`,
    );
    return 0;
  } finally {
    source.close();
  }
}

/**
 * Appends `store.migrate` to the copied audit log, chained after the last copied entry. The
 * copy is committed by then: a failure here is reported, not fatal.
 */
async function recordMigration(
  io: CliIo,
  connectionString: string,
  after: Record<string, unknown>,
): Promise<void> {
  try {
    const store = await PostgresStore.connect({
      connectionString,
      poolSize: 1,
      applicationName: 'flowstate-migrate',
    });
    try {
      await new AuditLog(store).record(cliActor(), {
        action: 'store.migrate',
        target: { type: 'store', id: 'postgres' },
        summary: { after },
      });
    } finally {
      await store.close();
    }
  } catch (error) {
    io.stderr.write(
      `Warning: the copy is committed, but recording it in the audit log failed: ${(error as Error).message}\n`,
    );
  }
}

/** Opens the data folder, telling a running server apart from other failures. */
function openSource(dataDir: string): SqliteExport {
  try {
    return SqliteExport.open(dataDir);
  } catch (error) {
    if (error instanceof FlowstateError && error.code === 'DATA_DIR_LOCKED') {
      throw new CliError(
        `${error.message}\nStop the server first: migrate copies a stopped data folder, so nothing changes while it runs.`,
      );
    }
    throw error;
  }
}

/** Executions not finished and entity events not dispatched, noted beside their counts. */
interface Unfinished {
  executions: number;
  events: number;
}

function writeCounts(io: CliIo, counts: PortableCounts, unfinished: Unfinished): void {
  for (const kind of [...PORTABLE_TABLES, 'blobs'] as const) {
    const extra =
      kind === 'executions' && unfinished.executions > 0
        ? ` (${unfinished.executions} not finished)`
        : kind === 'crm_events' && unfinished.events > 0
          ? ` (${unfinished.events} not dispatched)`
          : '';
    io.stdout.write(`  ${LABELS[kind].padEnd(26)} ${String(counts[kind]).padStart(8)}${extra}\n`);
  }
}
