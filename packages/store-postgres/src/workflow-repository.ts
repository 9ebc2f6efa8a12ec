import type pg from 'pg';
import { canonicalJson, contentHash, FlowstateError, type Workflow } from '@flowstate/core';
import {
  SYSTEM_AUTHOR,
  type CreateWorkflowInput,
  type SaveWorkflowVersionInput,
  type WorkflowRecord,
  type WorkflowVersionRecord,
  type WorkflowVersionSummary,
  type WorkflowWrite,
} from '@flowstate/engine';
import { inTransaction, type Queryable } from './connection.js';
import { FINAL_EXECUTION_SQL } from './migrations.js';
import { toWorkflowRecord, type WorkflowRow } from './rows.js';

interface SummaryRow {
  workflow_id: string;
  version: number;
  hash: string;
  author: string;
  message: string | null;
  created_at: number;
}

type VersionRow = SummaryRow & { definition: string };

function toSummary(row: SummaryRow): WorkflowVersionSummary {
  return {
    workflowId: row.workflow_id,
    version: row.version,
    hash: row.hash,
    author: row.author,
    ...(row.message === null ? {} : { message: row.message }),
    createdAt: row.created_at,
  };
}

function toVersionRecord(row: VersionRow): WorkflowVersionRecord {
  return { ...toSummary(row), definition: JSON.parse(row.definition) as Workflow };
}

/** The workflow and its first version in one statement: nothing when the id is taken. */
const CREATE_SQL = `WITH w AS (
  INSERT INTO workflows (id, name, active, draft_version, published_version, published_at,
    created_at, updated_at)
  VALUES ($1, $2, $3, 1, CASE WHEN $4 THEN 1 END, CASE WHEN $4 THEN $5::bigint END, $5, $5)
  ON CONFLICT (id) DO NOTHING RETURNING *
), v AS (
  INSERT INTO workflow_versions (workflow_id, version, definition, hash, author, message,
    created_at)
  SELECT id, 1, $6, $7, $8, $9, $5 FROM w
)
SELECT * FROM w`;

const INSERT_VERSION_SQL = `INSERT INTO workflow_versions (workflow_id, version, definition,
  hash, author, message, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`;

/** Moves the draft to a new version; also publishes it when `$5` is true. */
const SET_DRAFT_SQL = `UPDATE workflows SET draft_version = $2, name = $3, updated_at = $4,
  published_version = CASE WHEN $5 THEN $2 ELSE published_version END,
  published_at = CASE WHEN $5 THEN $4 ELSE published_at END
  WHERE id = $1`;

const LIST_VERSIONS_SQL = `SELECT workflow_id, version, hash, author, message, created_at
  FROM workflow_versions WHERE workflow_id = $1 AND version < $2
  ORDER BY version DESC LIMIT $3`;

/** Workflows and their immutable versions (the `WorkflowStore` methods). */
export class WorkflowRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  create(input: CreateWorkflowInput): Promise<WorkflowRecord> {
    return create(this.#pool, input);
  }

  saveVersion(
    input: SaveWorkflowVersionInput,
  ): Promise<WorkflowVersionRecord | { conflict: WorkflowRecord }> {
    return inTransaction(this.#pool, (client) => save(client, input));
  }

  /** All writes in one transaction: a throw rolls every one of them back. */
  writeMany(writes: readonly WorkflowWrite[]): Promise<WorkflowRecord[]> {
    return inTransaction(this.#pool, async (client) => {
      const written: WorkflowRecord[] = [];
      for (const write of writes) {
        if (write.kind === 'create') {
          written.push(await create(client, write));
        } else {
          await save(client, write);
          written.push((await get(client, write.workflowId))!);
        }
      }
      return written;
    });
  }

  /** Moves the published pointer; see `WorkflowStore.publishWorkflowVersion`. */
  publish(input: {
    workflowId: string;
    version: number;
    now: number;
  }): Promise<WorkflowRecord | undefined> {
    return inTransaction(this.#pool, async (client) => {
      const found = await client.query('SELECT 1 FROM workflows WHERE id = $1 FOR NO KEY UPDATE', [
        input.workflowId,
      ]);
      if (found.rows.length === 0) return undefined;
      const { rows } = await client.query<WorkflowRow>(
        `UPDATE workflows SET published_version = $2, published_at = $3, updated_at = $3
        WHERE id = $1 AND EXISTS (SELECT 1 FROM workflow_versions
          WHERE workflow_id = $1 AND version = $2) RETURNING *`,
        [input.workflowId, input.version, input.now],
      );
      if (rows[0] === undefined) {
        throw new FlowstateError(
          'WORKFLOW_VERSION_NOT_FOUND',
          `Workflow "${input.workflowId}" has no version ${input.version}`,
        );
      }
      return toWorkflowRecord(rows[0]);
    });
  }

  async setActive(input: {
    workflowId: string;
    active: boolean;
    now: number;
  }): Promise<WorkflowRecord | undefined> {
    const { rows } = await this.#pool.query<WorkflowRow>(
      'UPDATE workflows SET active = $2, updated_at = $3 WHERE id = $1 RETURNING *',
      [input.workflowId, input.active, input.now],
    );
    return rows[0] === undefined ? undefined : toWorkflowRecord(rows[0]);
  }

  get(id: string): Promise<WorkflowRecord | undefined> {
    return get(this.#pool, id);
  }

  async list(): Promise<WorkflowRecord[]> {
    const { rows } = await this.#pool.query<WorkflowRow>(
      'SELECT * FROM workflows ORDER BY name COLLATE "C", id',
    );
    return rows.map(toWorkflowRecord);
  }

  async getVersion(
    workflowId: string,
    version: number,
  ): Promise<WorkflowVersionRecord | undefined> {
    const { rows } = await this.#pool.query<VersionRow>(
      'SELECT * FROM workflow_versions WHERE workflow_id = $1 AND version = $2',
      [workflowId, version],
    );
    return rows[0] === undefined ? undefined : toVersionRecord(rows[0]);
  }

  async listVersions(
    workflowId: string,
    query: { limit: number; before?: number },
  ): Promise<WorkflowVersionSummary[]> {
    const { rows } = await this.#pool.query<SummaryRow>(LIST_VERSIONS_SQL, [
      workflowId,
      query.before ?? 2 ** 31 - 1,
      query.limit,
    ]);
    return rows.map(toSummary);
  }

  /**
   * Deletes a workflow, its versions, schedules and finished executions. False when it does
   * not exist; throws `WORKFLOW_IN_USE` while any of its executions is still live.
   */
  async delete(id: string): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      // Locking the workflow row holds off new executions of it (their foreign key check).
      const found = await client.query('SELECT 1 FROM workflows WHERE id = $1 FOR UPDATE', [id]);
      if (found.rows.length === 0) return false;
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*) AS n FROM executions
        WHERE workflow_id = $1 AND status NOT IN ${FINAL_EXECUTION_SQL}`,
        [id],
      );
      const live = rows[0]?.n ?? 0;
      if (live > 0) {
        throw new FlowstateError(
          'WORKFLOW_IN_USE',
          `Workflow "${id}" has ${live} live execution(s); cancel them or wait for them to finish before deleting it`,
        );
      }
      await client.query('DELETE FROM workflows WHERE id = $1', [id]);
      return true;
    });
  }
}

async function get(db: Queryable, id: string): Promise<WorkflowRecord | undefined> {
  const { rows } = await db.query<WorkflowRow>('SELECT * FROM workflows WHERE id = $1', [id]);
  return rows[0] === undefined ? undefined : toWorkflowRecord(rows[0]);
}

async function create(db: Queryable, input: CreateWorkflowInput): Promise<WorkflowRecord> {
  const { rows } = await db.query<WorkflowRow>(CREATE_SQL, [
    input.id,
    input.definition.name,
    input.active,
    input.publish === true,
    input.now,
    canonicalJson(input.definition),
    contentHash(input.definition),
    input.author ?? SYSTEM_AUTHOR,
    input.message ?? null,
  ]);
  if (rows[0] === undefined) {
    throw new FlowstateError('WORKFLOW_EXISTS', `A workflow with id "${input.id}" already exists`);
  }
  return toWorkflowRecord(rows[0]);
}

/** Appends a version under the workflow's row lock (so versions are numbered without gaps). */
async function save(
  client: pg.PoolClient,
  input: SaveWorkflowVersionInput,
): Promise<WorkflowVersionRecord | { conflict: WorkflowRecord }> {
  const { rows } = await client.query<WorkflowRow>(
    'SELECT * FROM workflows WHERE id = $1 FOR NO KEY UPDATE',
    [input.workflowId],
  );
  const current = rows[0];
  if (current === undefined) {
    throw new FlowstateError('WORKFLOW_NOT_FOUND', `Workflow "${input.workflowId}" does not exist`);
  }
  if (input.expectVersion !== undefined && input.expectVersion !== current.draft_version) {
    return { conflict: toWorkflowRecord(current) };
  }
  const version = current.draft_version + 1;
  const inserted = await client.query<VersionRow>(INSERT_VERSION_SQL, [
    input.workflowId,
    version,
    canonicalJson(input.definition),
    contentHash(input.definition),
    input.author ?? SYSTEM_AUTHOR,
    input.message ?? null,
    input.now,
  ]);
  await client.query(SET_DRAFT_SQL, [
    input.workflowId,
    version,
    input.definition.name,
    input.now,
    input.publish === true,
  ]);
  return toVersionRecord(inserted.rows[0]!);
}
